#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "spotlight/framework/data/interactions.h"
#include "spotlight/framework/data/text_loaders.h"

namespace spotlight {

// A parse failure on one line; the loader turns it into "FILE:LINE: message" or a skipped line.
struct LineError {
  std::string message;
};

// One id field of a line, checked but not yet mapped: a line is checked whole before any of
// its ids enters a map, so a skipped line leaves no user or item behind.
struct RawId {
  std::string_view text;  // trimmed
  int64_t number = 0;
  bool canonical_number = false;  // digits without sign or leading zero: the fast path
};

// Raw ids of one column to dense ids, in order of first appearance (or the raw number
// itself with IdMapping::raw). Integer ids written canonically are looked up by value, in a
// table indexed by the value while the ids are small and dense enough (MovieLens: < 300k),
// else in a hash map; any other text switches the column to text keys, carrying over the
// ids seen so far. Text keys are views into a deque, whose elements never move, so a lookup
// allocates nothing.
class IdColumn {
 public:
  // `numeric`: ids must be whole numbers whatever the mapping (a format that defines them so).
  IdColumn(IdMapping mapping, bool numeric, const char* what) : mapping_(mapping), numeric_(numeric), what_(what) {}

  // Throws LineError for an empty id, and with IdMapping::raw or `numeric` for a non-number
  // or a negative one.
  RawId parse(std::string_view field) const;
  // The dense id of a parsed id.
  int64_t map(const RawId& id) {
    if (mapping_ == IdMapping::raw) {
      if (id.number > largest_) largest_ = id.number;
      return id.number;
    }
    if (by_number_ && id.canonical_number) {
      const auto value = static_cast<uint64_t>(id.number);
      if (value < by_small_value_.size() && by_small_value_[value] >= 0) return by_small_value_[value];
      return map_new_or_large_number(id.number);
    }
    return map_text(id.text);
  }

  int64_t count() const;
  IdMap take_map();

 private:
  int64_t map_new_or_large_number(int64_t number);
  int64_t map_text(std::string_view text);
  void switch_to_text();

  IdMapping mapping_;
  bool numeric_;
  const char* what_;
  int64_t largest_ = -1;
  bool by_number_ = true;
  std::vector<int32_t> by_small_value_;  // dense id by value, -1 for unseen
  std::unordered_map<int64_t, int64_t> by_large_value_;
  std::vector<int64_t> numbers_;  // raw value by dense id
  std::unordered_map<std::string_view, int64_t> by_text_;
  std::deque<std::string> texts_;  // raw text by dense id
};

}  // namespace spotlight
