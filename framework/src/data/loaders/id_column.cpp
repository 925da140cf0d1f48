#include "src/data/loaders/id_column.h"

#include <charconv>

#include "src/data/loaders/field_parsing.h"
#include "src/data/utf8.h"

namespace spotlight {

namespace {

// The value table grows to at most this many entries times the ids seen (and at least to
// kSmallTableFloor), so a few huge ids fall back to the hash map instead of a huge table.
constexpr uint64_t kSmallTableFloor = uint64_t(1) << 20;
constexpr uint64_t kSmallTableSpread = 16;
constexpr uint64_t kSmallTableCeiling = uint64_t(1) << 27;
// A raw id is a row of the model's tables (every id up to the largest gets one), so it must
// stay far from int64's end, where "largest + 1" would overflow. Spotlight's ids are int32.
constexpr int64_t kLargestRawId = 2147483647;

}  // namespace

RawId IdColumn::parse(std::string_view field) const {
  RawId id;
  id.text = trim(field);
  if (id.text.empty()) throw LineError{std::string(what_) + " id is empty"};
  if (mapping_ == IdMapping::raw || numeric_) {
    id.number = parse_number<int64_t>(id.text, what_);
    if (id.number < 0) throw LineError{std::string(what_) + " id " + std::to_string(id.number) + " is negative"};
    if (mapping_ == IdMapping::raw && id.number > kLargestRawId) {
      throw LineError{std::string(what_) + " id " + std::to_string(id.number) + " is above " +
                      std::to_string(kLargestRawId) + ", the largest raw id; use \"ids\": \"dense\""};
    }
    id.canonical_number = true;
    return id;
  }
  const char* end = id.text.data() + id.text.size();
  const auto [stop, error] = std::from_chars(id.text.data(), end, id.number);
  id.canonical_number = error == std::errc() && stop == end && id.number >= 0 &&
                        (id.text.size() == 1 || id.text.front() != '0');
  // A text id is kept and written out again (checkpoints, recommend --json): only as UTF-8.
  if (!id.canonical_number && !is_utf8(id.text)) {
    throw LineError{std::string(what_) +
                    " id is not UTF-8 text; convert the file to UTF-8 (e.g. iconv -f latin1 -t utf-8)"};
  }
  return id;
}

int64_t IdColumn::map_new_or_large_number(int64_t number) {
  const auto value = static_cast<uint64_t>(number);
  const auto next_id = static_cast<int64_t>(numbers_.size());
  const uint64_t limit = std::min(kSmallTableCeiling, std::max(kSmallTableFloor, kSmallTableSpread * numbers_.size()));
  if (value < limit) {
    if (value >= by_small_value_.size()) {
      by_small_value_.resize(std::min(limit, std::max(value + 1, 2 * uint64_t(by_small_value_.size()))), -1);
    }
    by_small_value_[value] = static_cast<int32_t>(next_id);
    numbers_.push_back(number);
    return next_id;
  }
  const auto [found, inserted] = by_large_value_.try_emplace(number, next_id);
  if (inserted) numbers_.push_back(number);
  return found->second;
}

int64_t IdColumn::map_text(std::string_view text) {
  if (by_number_) switch_to_text();
  const auto found = by_text_.find(text);
  if (found != by_text_.end()) return found->second;
  const auto id = static_cast<int64_t>(texts_.size());
  texts_.emplace_back(text);
  by_text_.emplace(texts_.back(), id);
  return id;
}

void IdColumn::switch_to_text() {
  by_number_ = false;
  for (int64_t number : numbers_) {
    texts_.push_back(std::to_string(number));
    by_text_.emplace(texts_.back(), static_cast<int64_t>(texts_.size() - 1));
  }
  numbers_ = {};
  by_small_value_ = {};
  by_large_value_ = {};
}

int64_t IdColumn::count() const {
  if (mapping_ == IdMapping::raw) return largest_ + 1;
  return static_cast<int64_t>(by_number_ ? numbers_.size() : texts_.size());
}

IdMap IdColumn::take_map() {
  IdMap map;
  if (mapping_ == IdMapping::raw) return map;
  if (by_number_) {
    map.raw_ids.reserve(numbers_.size());
    for (int64_t number : numbers_) map.raw_ids.push_back(std::to_string(number));
    return map;
  }
  by_text_ = {};
  map.raw_ids.reserve(texts_.size());
  for (auto& text : texts_) map.raw_ids.push_back(std::move(text));
  texts_ = {};
  return map;
}

}  // namespace spotlight
