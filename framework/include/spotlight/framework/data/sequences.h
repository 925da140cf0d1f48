#pragma once

#include <cstdint>
#include <optional>

#include "spotlight/framework/data/interactions.h"
#include "spotlight/sdk/interaction_matrix.h"

namespace spotlight {

struct SequenceOptions {
  int64_t max_length = 10;
  std::optional<int64_t> min_length;  // keep only windows with at least this many items
  std::optional<int64_t> step_size;   // distance between window ends; default max_length
};

// Spotlight's Interactions.to_sequence: interactions sorted by user, then timestamp (ties
// keep their order); each user's items cut into windows of at most max_length ending every
// step_size items from the newest backwards, right-aligned and left-padded with 0. Item 0 is
// the padding id and is refused as a real item; timestamps are required. Rows keep their
// user id; with weights, each step keeps its interaction's weight (SequenceMatrix::weights).
// For items [1, 2, 3, 4, 5], max_length 5 and step 2: [1 2 3 4 5], [0 0 1 2 3], [0 0 0 0 1].
SequenceMatrix to_sequence(const Interactions& interactions, const SequenceOptions& options);

// Makes item id 0 free for padding when the ids were assigned densely from a file (0..n-1
// in order of appearance, so 0 is a real item): every item id moves up by one, num_items
// grows by one and the id map gets an empty entry for the padding id. Data with raw or
// generated ids is left alone (to_sequence then refuses a real item 0 with its row).
void reserve_padding_item(Interactions& interactions);

}  // namespace spotlight
