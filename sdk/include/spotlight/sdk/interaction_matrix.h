#pragma once

#include <cstdint>
#include <vector>

namespace spotlight {

// Interactions grouped by user (compressed sparse rows): the items of user u are
// item_ids[row_offsets[u] .. row_offsets[u + 1]), sorted ascending; ratings, when the
// data has them, run parallel to item_ids. This is the view evaluators read.
struct InteractionMatrix {
  int64_t num_users = 0;
  int64_t num_items = 0;
  std::vector<int64_t> row_offsets;  // num_users + 1 entries
  std::vector<int64_t> item_ids;
  std::vector<float> ratings;  // empty when the data has no ratings

  int64_t row_begin(int64_t user) const { return row_offsets[static_cast<size_t>(user)]; }
  int64_t row_end(int64_t user) const { return row_offsets[static_cast<size_t>(user) + 1]; }
  int64_t row_size(int64_t user) const { return row_end(user) - row_begin(user); }
  int64_t size() const { return static_cast<int64_t>(item_ids.size()); }
  bool has_ratings() const { return !ratings.empty(); }
};

// Sequences for sequence models: num_sequences rows of `length` item ids, left padded with
// 0 (the padding id), row-major; user_ids[i] is the user row i came from.
struct SequenceMatrix {
  int64_t num_items = 0;
  int64_t length = 0;
  std::vector<int64_t> item_ids;
  std::vector<int64_t> user_ids;
  // Empty when the interactions have no weights; else parallel to item_ids: each real step's
  // interaction weight, 0 at padding.
  std::vector<float> weights;

  int64_t num_sequences() const { return length == 0 ? 0 : static_cast<int64_t>(item_ids.size()) / length; }
  const int64_t* row(int64_t i) const { return item_ids.data() + i * length; }
};

}  // namespace spotlight
