#include "spotlight/framework/training/all_item_loss.h"

#include <algorithm>
#include <limits>

#include <torch/csrc/autograd/autograd.h>

#include "spotlight/sdk/errors.h"

namespace spotlight {

namespace {

// Within max_chunk_elements, a chunk holds about 512K scores (2 MB), so that the passes over
// them (the product, the loss's, the gradients' products) find them in the cache, but at least
// 128 rows: each chunk also costs a pass over the item table's gradient.
constexpr int64_t kCachedChunkElements = int64_t{512} << 10;
constexpr int64_t kMinChunkRows = 128;

// Column 0 of `logits` (the padding item) set to -infinity in place, one element per row
// instead of a copy of the chunk (index_fill's copy, and its backward's, were a tenth of a
// softmax epoch). The backward pass zeroes that column of the incoming gradient, in place when
// it is a plain dense tensor. The logits are score_all's fresh output: no graph reads them.
class ExcludeFirstItem : public torch::autograd::Function<ExcludeFirstItem> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* context, torch::Tensor logits) {
    logits.select(1, 0).fill_(-std::numeric_limits<float>::infinity());
    context->mark_dirty({logits});
    return logits;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext*,
                                                 torch::autograd::variable_list output_gradients) {
    torch::Tensor gradient = output_gradients[0];
    if (!gradient.is_contiguous()) gradient = gradient.contiguous();
    gradient.select(1, 0).zero_();
    return {gradient};
  }
};

torch::Tensor exclude_first_item(const torch::Tensor& logits) {
  // In place only where autograd allows it: a tensor the graph made, not a leaf or a view.
  if (logits.requires_grad() && !logits.is_leaf() && !logits.is_view()) return ExcludeFirstItem::apply(logits);
  return logits.index_fill(1, torch::zeros({1}, torch::kInt64).to(logits.device()),
                           -std::numeric_limits<float>::infinity());
}

// output.backward(output_gradient), into .grad or into `collected`; returns the gradient of
// `states` (a leaf the output depends on; undefined: none wanted).
torch::Tensor differentiate(const torch::Tensor& output, const torch::Tensor& output_gradient,
                            const torch::Tensor& states, CollectedGradients* collected) {
  const bool to_states = states.defined() && states.requires_grad();
  if (!collected) {
    output.backward(output_gradient);
    return to_states ? states.grad() : torch::Tensor();
  }
  std::vector<torch::Tensor> inputs = collected->parameters;
  if (to_states) inputs.push_back(states);
  std::vector<torch::Tensor> output_gradients;
  if (output_gradient.defined()) output_gradients.push_back(output_gradient);
  const auto gradients = torch::autograd::grad({output}, inputs, output_gradients, /*retain_graph=*/false,
                                               /*create_graph=*/false, /*allow_unused=*/true);
  collected->gradients.resize(collected->parameters.size());
  for (size_t i = 0; i < collected->parameters.size(); ++i) {
    auto& sum = collected->gradients[i];
    if (gradients[i].defined()) sum = sum.defined() ? sum + gradients[i] : gradients[i];
  }
  return to_states ? gradients.back() : torch::Tensor();
}

}  // namespace

double backward_all_item_loss(Representation& representation, const Loss& loss, const AllItemRows& rows,
                              int64_t num_items, bool exclude_padding_item, int64_t max_chunk_elements,
                              double normaliser, CollectedGradients* collected) {
  const int64_t count = rows.states.size(0);
  if (count == 0) return 0.0;
  const int64_t items = std::max<int64_t>(num_items, 1);
  const int64_t chunk_rows =
      std::min(std::max<int64_t>(1, max_chunk_elements / items),
               std::max(kCachedChunkElements / items, kMinChunkRows));
  // The terms are divided by the whole minibatch's normaliser in every chunk, so the chunks'
  // losses add up to the minibatch's mean.
  if (normaliser == 0.0) {
    normaliser = rows.weights.defined() ? rows.weights.sum().item<double>() : static_cast<double>(count);
  }
  if (!(normaliser > 0.0)) throw DataError("the interaction weights of a minibatch sum to " + std::to_string(normaliser));
  const bool through_states = rows.states.requires_grad();
  const torch::Tensor detached = rows.states.detach();
  // Each chunk's states are a leaf of their own, whose gradient is that chunk's rows of the
  // states' gradient: a view of one leaf for all chunks would cost each chunk's backward pass
  // a zero tensor of every row, and a sum into the leaf's gradient.
  const torch::Tensor states_gradient = through_states ? torch::empty_like(detached) : torch::Tensor();
  double total = 0.0;
  for (int64_t start = 0; start < count; start += chunk_rows) {
    const int64_t size = std::min(chunk_rows, count - start);
    const torch::Tensor states = detached.narrow(0, start, size).detach().requires_grad_(through_states);
    torch::Tensor logits = representation.score_all(states);
    if (exclude_padding_item) logits = exclude_first_item(logits);
    torch::Tensor terms = loss.all_item_loss_terms(logits, rows.positives.narrow(0, start, size));
    if (rows.weights.defined()) terms = terms * rows.weights.narrow(0, start, size).to(terms.scalar_type());
    const torch::Tensor chunk_loss = terms.sum() / normaliser;
    torch::Tensor gradient;
    if (chunk_loss.requires_grad()) gradient = differentiate(chunk_loss, torch::Tensor(), states, collected);
    if (through_states) {
      auto chunk_gradient = states_gradient.narrow(0, start, size);
      gradient.defined() ? chunk_gradient.copy_(gradient) : chunk_gradient.zero_();
    }
    total += chunk_loss.item<double>();
  }
  if (through_states) differentiate(rows.states, states_gradient, torch::Tensor(), collected);
  return total;
}

}  // namespace spotlight
