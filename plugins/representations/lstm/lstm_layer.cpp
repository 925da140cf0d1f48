// The one-layer LSTM of lstm and mixture as one autograd node (see lstm_layer.h).
#include "lstm_layer.h"

#include <algorithm>
#include <vector>

#include "../recurrent_layer.h"
#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/nn/tap_products.h"
#include "lstm_steps.h"

namespace {

// LibTorch's one-layer, batch-first LSTM as one autograd node: the input projection of every
// step is one matrix product, the recurrence runs as plain loops over each sequence's rows
// (lstm_steps), sequences split over the compute threads, where LibTorch dispatches a dozen
// tensor operations per time step forward and as many backward; d W_hh is one product after
// the backward loop. Same parameters, gate order and formulas as torch::nn::LSTM.
class LstmLayer : public torch::autograd::Function<LstmLayer> {
 public:
  // inputs (batch, steps, in) -> outputs (batch, steps, hidden); zero initial state. The first
  // skip[b] rows of sequence b are zero inputs whose gradient is not read (recurrent_layer.h).
  static torch::Tensor forward(torch::autograd::AutogradContext* context, const torch::Tensor& inputs,
                               const torch::Tensor& w_ih, const torch::Tensor& w_hh, const torch::Tensor& b_ih,
                               const torch::Tensor& b_hh, const std::vector<int64_t>& skip) {
    const int64_t steps = inputs.size(1), hidden = w_hh.size(1);
    const recurrent_layer::PackedSequences packed(skip, steps);
    const auto kept = packed.pack_inputs(inputs);
    // Pre-activations of every gate of every row (the template's inputs are zero), then the
    // activations in place.
    auto gates = recurrent_layer::input_products(packed, kept, w_ih, b_ih + b_hh);
    const auto w_hh_t = w_hh.t().contiguous();
    auto cells = torch::empty({packed.rows(), hidden}, kept.options());
    auto tanh_cells = torch::empty_like(cells);
    auto outputs = torch::empty_like(cells);
    float* g = gates.data_ptr<float>();
    float* c = cells.data_ptr<float>();
    float* tc = tanh_cells.data_ptr<float>();
    float* h = outputs.data_ptr<float>();
    const float* recurrent = w_hh_t.data_ptr<float>();
    const std::vector<float> zeros(static_cast<size_t>(hidden), 0.0f);  // the zero state
    packed.forward_steps([&](int64_t row, int64_t previous) {
      float* row_gates = g + row * 4 * hidden;
      if (previous >= 0) {
        spotlight::nn::tap_products::add_vector_times_matrix(h + previous * hidden, recurrent, hidden, 4 * hidden,
                                                             row_gates);
      }
      lstm_steps::forward(row_gates, previous >= 0 ? c + previous * hidden : zeros.data(), hidden, c + row * hidden,
                          h + row * hidden, tc + row * hidden);
    });
    context->save_for_backward({kept, w_ih, w_hh, gates, cells, tanh_cells, outputs});
    context->saved_data["skip"] = c10::IValue(c10::List<int64_t>(skip));
    context->saved_data["steps"] = steps;
    return packed.unpack_outputs(outputs);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::variable_list output_gradients) {
    const auto saved = context->get_saved_variables();
    const auto &kept = saved[0], &w_ih = saved[1], &w_hh = saved[2], &gates = saved[3];
    const auto &cells = saved[4], &tanh_cells = saved[5], &outputs = saved[6];
    const int64_t hidden = w_hh.size(1);
    const auto skip = context->saved_data["skip"].toIntVector();
    const recurrent_layer::PackedSequences packed(skip, context->saved_data["steps"].toInt());
    const auto d_rows =
        output_gradients[0].defined() ? packed.pack_output_gradients(output_gradients[0]) : torch::zeros_like(outputs);
    // The gates' derivatives are written over their activations, row by row, as each row's
    // step reads them last: a (rows, 4 hidden) tensor less to allocate and first touch per
    // minibatch (20 MB at batch 1,024 x 50 steps). A second backward pass through this node
    // (retain_graph) would read derivatives, so it is refused.
    if (context->saved_data.count("spent")) {
      throw spotlight::Error("lstm: its graph was differentiated twice; the layer keeps its gate activations for "
                             "one backward pass only");
    }
    context->saved_data["spent"] = true;
    const float* c = cells.data_ptr<float>();
    const float* tc = tanh_cells.data_ptr<float>();
    const float* recurrent = w_hh.data_ptr<float>();
    float* dg = gates.data_ptr<float>();
    const std::vector<float> zeros(static_cast<size_t>(hidden), 0.0f);  // the zero state's cell
    // The carry is the cell's derivative.
    packed.backward_steps(hidden, d_rows.data_ptr<float>(),
                          [&](int64_t row, int64_t previous, const float* d_output, float* d_h_prev, float* d_cell) {
                            float* row_d_gates = dg + row * 4 * hidden;
                            lstm_steps::backward(row_d_gates, previous >= 0 ? c + previous * hidden : zeros.data(),
                                                 tc + row * hidden, hidden, d_output, d_cell);
                            std::fill(d_h_prev, d_h_prev + hidden, 0.0f);
                            spotlight::nn::tap_products::add_vector_times_matrix(row_d_gates, recurrent, 4 * hidden,
                                                                                 hidden, d_h_prev);
                          });
    // The gate derivatives are those of both the input and the recurrent products.
    auto d = recurrent_layer::layer_gradients(packed, kept, w_ih, dg, outputs, w_hh, dg);
    return {d.d_inputs, d.d_w_ih, d.d_w_hh, d.d_b_ih, d.d_b_hh, {}};
  }
};

}  // namespace

torch::Tensor lstm_layer(torch::nn::LSTM& lstm, const torch::Tensor& inputs, std::vector<int64_t> skip) {
  auto parameters = lstm->named_parameters();
  const auto& w_ih = parameters["weight_ih_l0"];
  const auto& w_hh = parameters["weight_hh_l0"];
  const bool fused = inputs.device().is_cpu() && inputs.scalar_type() == torch::kFloat32 && w_ih.is_contiguous() &&
                     w_hh.is_contiguous() && lstm->options.num_layers() == 1 && !lstm->options.bidirectional() &&
                     lstm->options.batch_first() && lstm->options.bias();
  if (!fused) return std::get<0>(lstm->forward(inputs));
  if (skip.empty()) skip.assign(static_cast<size_t>(inputs.size(0)), 0);
  return LstmLayer::apply(inputs, w_ih, w_hh, parameters["bias_ih_l0"], parameters["bias_hh_l0"], skip);
}
