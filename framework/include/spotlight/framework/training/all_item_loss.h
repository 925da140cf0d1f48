#pragma once

#include <cstdint>
#include <vector>

#include <torch/types.h>

#include "spotlight/sdk/loss.h"
#include "spotlight/sdk/representation.h"

namespace spotlight {

// The training positions of one minibatch for a loss over the whole catalogue
// (Loss::needs_all_item_scores): only the real ones, padding already left out.
struct AllItemRows {
  torch::Tensor states;     // (rows, state), from the representation (still in its autograd graph)
  torch::Tensor positives;  // (rows) int64: each row's observed item
  torch::Tensor weights;    // (rows) interaction weights; undefined when every row weighs 1
};

// How many scores (rows x items) one chunk holds at most: 4M floats, 16 MB, whatever the
// catalogue, so that 12,800 positions of a 50,000-item catalogue never need 2.5 GB at once.
inline constexpr int64_t kAllItemScoreChunkElements = int64_t{4} << 20;

// Where backward_all_item_loss puts the gradients of `parameters` when it does not add them to
// their .grad: gradients[i] is that of parameters[i] (undefined when the loss does not reach
// it). The parts of a minibatch trained on threads of their own collect theirs apart.
struct CollectedGradients {
  std::vector<torch::Tensor> parameters;
  std::vector<torch::Tensor> gradients;
};

// The mean (weighted mean) over `rows` of loss.all_item_loss_terms, with every item scored by
// representation.score_all, backpropagated into the representation's parameter gradients
// (added to what they hold, or into `collected` when given): chunks of at most
// `max_chunk_elements` scores are scored, reduced and differentiated one after the other
// against a detached copy of the states, so only one chunk's scores are alive at a time; the
// states' gradient, summed over the chunks, then goes back through the encoder once. The
// gradients are those of the unchunked loss. With `exclude_padding_item`, item 0 scores
// -infinity (it is no target). `normaliser` (0: the rows' own count, or weight sum) is what
// the terms' sum is divided by: a part of a minibatch passes the whole minibatch's. Returns
// the loss.
double backward_all_item_loss(Representation& representation, const Loss& loss, const AllItemRows& rows,
                              int64_t num_items, bool exclude_padding_item,
                              int64_t max_chunk_elements = kAllItemScoreChunkElements, double normaliser = 0.0,
                              CollectedGradients* collected = nullptr);

}  // namespace spotlight
