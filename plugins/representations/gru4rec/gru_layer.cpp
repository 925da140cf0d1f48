#include "gru_layer.h"

#include <vector>

#include "../recurrent_layer.h"
#include "gru_steps.h"

namespace {

class GruLayer : public torch::autograd::Function<GruLayer> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* context, const torch::Tensor& inputs,
                               const torch::Tensor& w_ih, const torch::Tensor& w_hh, const torch::Tensor& b_ih,
                               const torch::Tensor& b_hh) {
    const int64_t batch = inputs.size(0), steps = inputs.size(1), width = inputs.size(2), hidden = w_hh.size(1);
    const auto x = inputs.contiguous();
    const auto input_gates = torch::addmm(b_ih, x.view({batch * steps, width}), w_ih.t()).contiguous();
    const auto w_hh_t = w_hh.t().contiguous();
    const auto recurrent_bias = b_hh.contiguous();
    auto gates = torch::empty({batch * steps, 4 * hidden}, x.options());
    auto outputs = torch::empty({batch, steps, hidden}, x.options());
    const float* ig = input_gates.data_ptr<float>();
    const float* recurrent = w_hh_t.data_ptr<float>();
    const float* bias = recurrent_bias.data_ptr<float>();
    float* g = gates.data_ptr<float>();
    float* h = outputs.data_ptr<float>();
    const std::vector<float> zeros(static_cast<size_t>(hidden), 0.0f);  // the state before step 0
    recurrent_layer::forward_steps(batch, steps, [&](int64_t row, int64_t t) {
      gru_steps::forward(ig + row * 3 * hidden, t ? h + (row - 1) * hidden : zeros.data(), recurrent, bias, hidden,
                         g + row * 4 * hidden, h + row * hidden);
    });
    context->save_for_backward({x, w_ih, w_hh, gates, outputs});
    return outputs;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::variable_list output_gradients) {
    const auto saved = context->get_saved_variables();
    const auto &x = saved[0], &w_ih = saved[1], &w_hh = saved[2], &gates = saved[3], &outputs = saved[4];
    const int64_t batch = x.size(0), steps = x.size(1), width = x.size(2), hidden = w_hh.size(1);
    const auto d_outputs =
        output_gradients[0].defined() ? output_gradients[0].contiguous() : torch::zeros_like(outputs);
    auto d_input_gates = torch::empty({batch * steps, 3 * hidden}, x.options());
    auto d_recurrent_gates = torch::empty({batch * steps, 3 * hidden}, x.options());
    const auto w_hh_c = w_hh.contiguous();
    const float* g = gates.data_ptr<float>();
    const float* h = outputs.data_ptr<float>();
    const float* dh = d_outputs.data_ptr<float>();
    const float* recurrent = w_hh_c.data_ptr<float>();
    float* dig = d_input_gates.data_ptr<float>();
    float* drg = d_recurrent_gates.data_ptr<float>();
    const std::vector<float> zeros(static_cast<size_t>(hidden), 0.0f);  // the state before step 0
    recurrent_layer::backward_steps(batch, steps, hidden, dh,
                                    [&](int64_t row, int64_t t, const float* d_output, float* d_h_prev, float*) {
                                      gru_steps::backward(g + row * 4 * hidden, t ? h + (row - 1) * hidden : zeros.data(),
                                                          recurrent, hidden, d_output, dig + row * 3 * hidden,
                                                          drg + row * 3 * hidden, d_h_prev);
                                    });
    auto d_w_hh = d_recurrent_gates.t().mm(recurrent_layer::previous_outputs(outputs));
    auto d_b_hh = d_recurrent_gates.sum(0);
    auto d_inputs = d_input_gates.mm(w_ih).view({batch, steps, width});
    auto d_w_ih = d_input_gates.t().mm(x.view({batch * steps, width}));
    auto d_b_ih = d_input_gates.sum(0);
    return {d_inputs, d_w_ih, d_w_hh, d_b_ih, d_b_hh};
  }
};

}  // namespace

torch::Tensor gru_layer(const torch::Tensor& inputs, const torch::Tensor& w_ih, const torch::Tensor& w_hh,
                        const torch::Tensor& b_ih, const torch::Tensor& b_hh) {
  return GruLayer::apply(inputs, w_ih, w_hh, b_ih, b_hh);
}
