// The one-layer LSTM of lstm and mixture as one autograd node (see lstm_layer.h).
#include "lstm_layer.h"

#include <vector>

#include "../recurrent_layer.h"
#include "lstm_steps.h"

namespace {

// LibTorch's one-layer, batch-first LSTM as one autograd node: the input projection of every
// step is one matrix product, the recurrence runs as plain loops over each sequence's rows
// (lstm_steps), sequences split over the compute threads, where LibTorch dispatches a dozen
// tensor operations per time step forward and as many backward; d W_hh is one product after
// the backward loop. Same parameters, gate order and formulas as torch::nn::LSTM.
class LstmLayer : public torch::autograd::Function<LstmLayer> {
 public:
  // inputs (batch, steps, in) -> outputs (batch, steps, hidden); zero initial state.
  static torch::Tensor forward(torch::autograd::AutogradContext* context, const torch::Tensor& inputs,
                               const torch::Tensor& w_ih, const torch::Tensor& w_hh, const torch::Tensor& b_ih,
                               const torch::Tensor& b_hh) {
    const int64_t batch = inputs.size(0), steps = inputs.size(1), width = inputs.size(2), hidden = w_hh.size(1);
    const auto x = inputs.contiguous();
    // Pre-activations of every gate of every step, then the activations in place.
    auto gates = torch::addmm(b_ih + b_hh, x.view({batch * steps, width}), w_ih.t()).contiguous();
    const auto w_hh_t = w_hh.t().contiguous();
    auto cells = torch::empty({batch, steps, hidden}, x.options());
    auto tanh_cells = torch::empty_like(cells);
    auto outputs = torch::empty_like(cells);
    float* g = gates.data_ptr<float>();
    float* c = cells.data_ptr<float>();
    float* tc = tanh_cells.data_ptr<float>();
    float* h = outputs.data_ptr<float>();
    const float* recurrent = w_hh_t.data_ptr<float>();
    const std::vector<float> zeros(static_cast<size_t>(hidden), 0.0f);  // the state before step 0
    recurrent_layer::forward_steps(batch, steps, [&](int64_t row, int64_t t) {
      lstm_steps::forward(g + row * 4 * hidden, t ? h + (row - 1) * hidden : zeros.data(),
                          t ? c + (row - 1) * hidden : zeros.data(), recurrent, hidden, c + row * hidden,
                          h + row * hidden, tc + row * hidden);
    });
    context->save_for_backward({x, w_ih, w_hh, gates, cells, tanh_cells, outputs});
    return outputs;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::variable_list output_gradients) {
    const auto saved = context->get_saved_variables();
    const auto &x = saved[0], &w_ih = saved[1], &w_hh = saved[2], &gates = saved[3];
    const auto &cells = saved[4], &tanh_cells = saved[5], &outputs = saved[6];
    const int64_t batch = x.size(0), steps = x.size(1), width = x.size(2), hidden = w_hh.size(1);
    const auto d_outputs =
        output_gradients[0].defined() ? output_gradients[0].contiguous() : torch::zeros_like(outputs);
    auto d_gates = torch::empty({batch * steps, 4 * hidden}, x.options());
    const float* g = gates.data_ptr<float>();
    const float* c = cells.data_ptr<float>();
    const float* tc = tanh_cells.data_ptr<float>();
    const float* dh = d_outputs.data_ptr<float>();
    const float* recurrent = w_hh.data_ptr<float>();
    float* dg = d_gates.data_ptr<float>();
    const std::vector<float> zeros(static_cast<size_t>(hidden), 0.0f);  // the cell before step 0
    // The carry is the cell's derivative.
    recurrent_layer::backward_steps(batch, steps, hidden, dh,
                                    [&](int64_t row, int64_t t, const float* d_output, float* d_h_prev, float* d_cell) {
                                      lstm_steps::backward(g + row * 4 * hidden, t ? c + (row - 1) * hidden : zeros.data(),
                                                           tc + row * hidden, recurrent, hidden, d_output, d_cell,
                                                           dg + row * 4 * hidden, d_h_prev);
                                    });
    auto d_w_hh = d_gates.t().mm(recurrent_layer::previous_outputs(outputs));
    auto d_inputs = d_gates.mm(w_ih).view({batch, steps, width});
    auto d_w_ih = d_gates.t().mm(x.view({batch * steps, width}));
    auto d_bias = d_gates.sum(0);
    return {d_inputs, d_w_ih, d_w_hh, d_bias, d_bias.clone()};
  }
};

}  // namespace

torch::Tensor lstm_layer(torch::nn::LSTM& lstm, const torch::Tensor& inputs) {
  auto parameters = lstm->named_parameters();
  const auto& w_ih = parameters["weight_ih_l0"];
  const auto& w_hh = parameters["weight_hh_l0"];
  const bool fused = inputs.device().is_cpu() && inputs.scalar_type() == torch::kFloat32 && w_ih.is_contiguous() &&
                     w_hh.is_contiguous() && lstm->options.num_layers() == 1 && !lstm->options.bidirectional() &&
                     lstm->options.batch_first() && lstm->options.bias();
  if (!fused) return std::get<0>(lstm->forward(inputs));
  return LstmLayer::apply(inputs, w_ih, w_hh, parameters["bias_ih_l0"], parameters["bias_hh_l0"]);
}
