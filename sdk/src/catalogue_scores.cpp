#include "spotlight/sdk/nn/catalogue_scores.h"

#include <algorithm>

#include <torch/autograd.h>

#include "cpu_floats.h"
#include "spotlight/sdk/nn/tap_products.h"

namespace spotlight::nn {

namespace {

// (items, dim) rows to (dim, items) rows, 16 items at a time: each item's row is read whole
// and each output row written 16 floats at a stretch. LibTorch's strided copy of the transposed
// view took three times as long for an ML-100K item table, once per chunk of an all-item loss.
torch::Tensor transposed(const torch::Tensor& vectors) {
  const auto rows_in = vectors.contiguous();
  const int64_t items = rows_in.size(0), dim = rows_in.size(1);
  auto columns = torch::empty({dim, items}, rows_in.options());
  const float* from = rows_in.data_ptr<float>();
  float* to = columns.data_ptr<float>();
  constexpr int64_t kBlock = 16;
  for (int64_t first = 0; first < items; first += kBlock) {
    const int64_t count = std::min(kBlock, items - first);
    for (int64_t d = 0; d < dim; ++d) {
      for (int64_t i = 0; i < count; ++i) to[d * items + first + i] = from[(first + i) * dim + d];
    }
  }
  return columns;
}

// states (rows, dim) . vectors (items, dim)^T + biases (items, 1; undefined for none) on the
// tap-product kernels. `vectors` in either layout: the product reads its transpose, (dim,
// items), which a column-major `vectors` already is.
torch::Tensor product(const torch::Tensor& states, const torch::Tensor& vectors, const torch::Tensor& biases) {
  const auto rows_in = states.contiguous();
  const auto columns = vectors.t().is_contiguous() ? vectors.t() : transposed(vectors);
  const auto bias = biases.defined() ? biases.contiguous() : torch::Tensor();
  const int64_t rows = rows_in.size(0), dim = rows_in.size(1), items = vectors.size(0);
  auto scores = torch::empty({rows, items}, states.options());
  tap_products::multiply_rows(rows_in.data_ptr<float>(), dim, rows, columns.data_ptr<float>(), items, items, nullptr,
                              bias.defined() ? bias.data_ptr<float>() : nullptr, scores.data_ptr<float>());
  return scores;
}

// catalogue_scores() on CPU float32 tensors, one autograd node over the SDK's tap-product
// kernels: the catalogue's products (one forward, two backward) are narrow, dim-wide, where a
// BLAS call packs more than it multiplies.
class CatalogueScores : public torch::autograd::Function<CatalogueScores> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* context, const torch::Tensor& states,
                               const torch::Tensor& vectors, const torch::Tensor& biases) {
    context->save_for_backward({states, vectors});
    return product(states, vectors, biases);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::variable_list output_gradients) {
    const auto saved = context->get_saved_variables();
    const auto& states = saved[0];
    const auto vectors = saved[1].contiguous();
    const auto gradient = output_gradients[0].contiguous();
    const int64_t rows = states.size(0), dim = states.size(1), items = vectors.size(0);
    torch::Tensor d_states, d_vectors, d_biases;
    if (context->needs_input_grad(0)) {
      d_states = torch::empty_like(states);
      tap_products::multiply_rows(gradient.data_ptr<float>(), items, rows, vectors.data_ptr<float>(), dim, dim, nullptr,
                                  nullptr, d_states.data_ptr<float>());
    }
    if (context->needs_input_grad(1)) {
      d_vectors = torch::zeros_like(vectors);
      tap_products::accumulate_outer(gradient.data_ptr<float>(), items, states.data_ptr<float>(), dim, rows, 0,
                                     d_vectors.data_ptr<float>(), dim);
    }
    if (context->needs_input_grad(2)) {
      // On the same kernels: no LibTorch reduction (a dispatch and a pass of its own) per chunk
      // of an all-item loss or layer.
      d_biases = torch::zeros({items, 1}, gradient.options());
      tap_products::add_column_sums(gradient.data_ptr<float>(), rows, items, d_biases.data_ptr<float>());
    }
    return {d_states, d_vectors, d_biases};
  }
};

}  // namespace

torch::Tensor catalogue_scores(const torch::Tensor& states, const torch::Tensor& vectors, const torch::Tensor& biases) {
  if (states.dim() == 2 && cpu_floats(states) && cpu_floats(vectors) && (!biases.defined() || cpu_floats(biases))) {
    const bool needs_gradients = torch::GradMode::is_enabled() && (states.requires_grad() || vectors.requires_grad() ||
                                                                   (biases.defined() && biases.requires_grad()));
    // Scores no gradient flows through (evaluation, recommendation): no autograd node, and no
    // zero biases made up when there are none.
    if (!needs_gradients) return product(states, vectors, biases);
    // No biases: zeros, which need no gradient (autograd Functions take no undefined inputs).
    return CatalogueScores::apply(states.contiguous(), vectors.t().is_contiguous() ? vectors : vectors.contiguous(),
                                  biases.defined() ? biases.contiguous()
                                                   : torch::zeros({vectors.size(0), 1}, vectors.options()));
  }
  return biases.defined() ? torch::addmm(biases.t(), states, vectors.t()) : torch::mm(states, vectors.t());
}

}  // namespace spotlight::nn
