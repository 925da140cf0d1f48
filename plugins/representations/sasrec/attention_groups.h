#pragma once

#include <cstdint>
#include <vector>

#include <torch/torch.h>

// How the causal attention of a batch's sequences runs: the sequences' rows lie one sequence
// after another in a (rows, dim) matrix; sequences of similar length form a group, padded to
// its longest, so that a group's attention is one batched product instead of one per
// sequence, while padding stays a small part of the work.
struct AttentionGroup {
  int64_t sequences = 0;  // G
  int64_t width = 0;      // n: the group's longest sequence
  torch::Tensor mask;     // (G, 1, n, n) -infinity where a slot's query may not read a key slot (later slots, slots
                          // that are no key), else 0: added to the scores, it passes their gradient on unchanged
};

struct AttentionGroups {
  std::vector<AttentionGroup> groups;
  torch::Tensor slots;               // the row each group's slots read, group after group; slots past a
                                     // sequence's end read row `rows` of the matrix (a zero row appended)
  std::vector<int64_t> slot_counts;  // G * n of each group: how `slots` splits into groups
  torch::Tensor back;                // (rows) for each row, the place in `slots` of the slot holding it
};

// lengths[s]: rows of sequence s; row_is_key (rows): whether a row may be read. Every
// sequence's first row must be a key. A sequence joins a group while its length is at least
// `min_fill` of the group's width. The masks take the scores' dtype, `score_type`.
AttentionGroups group_sequences(const std::vector<int64_t>& lengths, const torch::Tensor& row_is_key,
                                torch::ScalarType score_type, double min_fill = 0.8);
