#include "spotlight/framework/training/all_item_loss.h"

#include <algorithm>
#include <limits>

#include "spotlight/sdk/errors.h"

namespace spotlight {

double backward_all_item_loss(Representation& representation, const Loss& loss, const AllItemRows& rows,
                              int64_t num_items, bool exclude_padding_item, int64_t max_chunk_elements) {
  const int64_t count = rows.states.size(0);
  if (count == 0) return 0.0;
  const int64_t chunk_rows = std::max<int64_t>(1, max_chunk_elements / std::max<int64_t>(num_items, 1));
  // The terms are divided by the whole minibatch's normaliser in every chunk, so the chunks'
  // losses add up to the minibatch's mean.
  const double normaliser = rows.weights.defined() ? rows.weights.sum().item<double>() : static_cast<double>(count);
  if (!(normaliser > 0.0)) throw DataError("the interaction weights of a minibatch sum to " + std::to_string(normaliser));
  const bool through_states = rows.states.requires_grad();
  const torch::Tensor states = rows.states.detach().requires_grad_(through_states);
  double total = 0.0;
  for (int64_t start = 0; start < count; start += chunk_rows) {
    const int64_t size = std::min(chunk_rows, count - start);
    torch::Tensor logits = representation.score_all(states.narrow(0, start, size));
    if (exclude_padding_item) logits = logits.index_fill(1, torch::zeros({1}, torch::kInt64).to(logits.device()),
                                                         -std::numeric_limits<float>::infinity());
    torch::Tensor terms = loss.all_item_loss_terms(logits, rows.positives.narrow(0, start, size));
    if (rows.weights.defined()) terms = terms * rows.weights.narrow(0, start, size).to(terms.scalar_type());
    const torch::Tensor chunk_loss = terms.sum() / normaliser;
    if (chunk_loss.requires_grad()) chunk_loss.backward();
    total += chunk_loss.item<double>();
  }
  if (through_states && states.grad().defined()) rows.states.backward(states.grad());
  return total;
}

}  // namespace spotlight
