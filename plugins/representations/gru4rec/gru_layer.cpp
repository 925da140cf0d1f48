#include "gru_layer.h"

#include <algorithm>
#include <vector>

#include "../recurrent_layer.h"
#include "spotlight/sdk/nn/tap_products.h"
#include "gru_steps.h"

namespace {

class GruLayer : public torch::autograd::Function<GruLayer> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* context, const torch::Tensor& inputs,
                               const torch::Tensor& w_ih, const torch::Tensor& w_hh, const torch::Tensor& b_ih,
                               const torch::Tensor& b_hh, const std::vector<int64_t>& skip) {
    const int64_t steps = inputs.size(1), hidden = w_hh.size(1);
    const recurrent_layer::PackedSequences packed(skip, steps);
    const auto kept = packed.pack_inputs(inputs);
    // The input gates of every row (the template's inputs are zero).
    const auto input_gates = recurrent_layer::input_products(packed, kept, w_ih, b_ih);
    const auto w_hh_t = w_hh.t().contiguous();
    const auto recurrent_bias = b_hh.contiguous();
    auto gates = torch::empty({packed.rows(), 4 * hidden}, kept.options());
    auto outputs = torch::empty({packed.rows(), hidden}, kept.options());
    const float* ig = input_gates.data_ptr<float>();
    const float* recurrent = w_hh_t.data_ptr<float>();
    const float* bias = recurrent_bias.data_ptr<float>();
    float* g = gates.data_ptr<float>();
    float* h = outputs.data_ptr<float>();
    const std::vector<float> zeros(static_cast<size_t>(hidden), 0.0f);  // the zero state
    packed.forward_steps([&](int64_t row, int64_t previous) {
      float* row_gates = g + row * 4 * hidden;
      std::copy(bias, bias + 3 * hidden, row_gates);
      if (previous >= 0) {
        spotlight::nn::tap_products::add_vector_times_matrix(h + previous * hidden, recurrent, hidden, 3 * hidden,
                                                             row_gates);
      }
      gru_steps::forward(ig + row * 3 * hidden, previous >= 0 ? h + previous * hidden : zeros.data(), hidden, row_gates,
                         h + row * hidden);
    });
    context->save_for_backward({kept, w_ih, w_hh, gates, outputs});
    context->saved_data["skip"] = c10::IValue(c10::List<int64_t>(skip));
    context->saved_data["steps"] = steps;
    return packed.unpack_outputs(outputs);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::variable_list output_gradients) {
    const auto saved = context->get_saved_variables();
    const auto &kept = saved[0], &w_ih = saved[1], &w_hh = saved[2], &gates = saved[3], &outputs = saved[4];
    const int64_t hidden = w_hh.size(1);
    const recurrent_layer::PackedSequences packed(context->saved_data["skip"].toIntVector(),
                                                  context->saved_data["steps"].toInt());
    const auto d_rows =
        output_gradients[0].defined() ? packed.pack_output_gradients(output_gradients[0]) : torch::zeros_like(outputs);
    auto d_input_gates = torch::empty({packed.rows(), 3 * hidden}, kept.options());
    auto d_recurrent_gates = torch::empty({packed.rows(), 3 * hidden}, kept.options());
    const auto w_hh_c = w_hh.contiguous();
    const float* g = gates.data_ptr<float>();
    const float* h = outputs.data_ptr<float>();
    const float* recurrent = w_hh_c.data_ptr<float>();
    float* dig = d_input_gates.data_ptr<float>();
    float* drg = d_recurrent_gates.data_ptr<float>();
    const std::vector<float> zeros(static_cast<size_t>(hidden), 0.0f);  // the zero state
    packed.backward_steps(hidden, d_rows.data_ptr<float>(),
                          [&](int64_t row, int64_t previous, const float* d_output, float* d_h_prev, float*) {
                            float* row_d_recurrent = drg + row * 3 * hidden;
                            gru_steps::backward(g + row * 4 * hidden,
                                                previous >= 0 ? h + previous * hidden : zeros.data(), hidden, d_output,
                                                dig + row * 3 * hidden, row_d_recurrent, d_h_prev);
                            spotlight::nn::tap_products::add_vector_times_matrix(row_d_recurrent, recurrent, 3 * hidden,
                                                                                 hidden, d_h_prev);
                          });
    auto d = recurrent_layer::layer_gradients(packed, kept, w_ih, dig, outputs, w_hh, drg);
    return {d.d_inputs, d.d_w_ih, d.d_w_hh, d.d_b_ih, d.d_b_hh, {}};
  }
};

}  // namespace

torch::Tensor gru_layer(const torch::Tensor& inputs, const torch::Tensor& w_ih, const torch::Tensor& w_hh,
                        const torch::Tensor& b_ih, const torch::Tensor& b_hh, std::vector<int64_t> skip) {
  if (skip.empty()) skip.assign(static_cast<size_t>(inputs.size(0)), 0);
  return GruLayer::apply(inputs, w_ih, w_hh, b_ih, b_hh, skip);
}
