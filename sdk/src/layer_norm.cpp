#include "spotlight/sdk/nn/layer_norm.h"

#include <torch/autograd.h>

#include "cpu_floats.h"
#include "layer_norm_loops.h"
#include "spotlight/sdk/errors.h"

namespace spotlight::nn {

namespace {

class LayerNorm : public torch::autograd::Function<LayerNorm> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* context, const torch::Tensor& x,
                               const torch::Tensor& weight, const torch::Tensor& bias, double eps) {
    const auto input = x.contiguous();
    const int64_t dim = input.size(-1), rows = dim == 0 ? 0 : input.numel() / dim;
    auto y = torch::empty_like(input);
    auto statistics = torch::empty({2, rows}, input.options());  // each row's mean, then its rstd
    layer_norm_loops::forward(input.data_ptr<float>(), rows, dim, weight.data_ptr<float>(), bias.data_ptr<float>(),
                              static_cast<float>(eps), y.data_ptr<float>(), statistics[0].data_ptr<float>(),
                              statistics[1].data_ptr<float>());
    context->save_for_backward({input, weight, statistics});
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::variable_list output_gradients) {
    const auto saved = context->get_saved_variables();
    const auto& input = saved[0];
    const auto& weight = saved[1];
    const auto& statistics = saved[2];
    const auto dy = output_gradients[0].contiguous();
    const int64_t dim = input.size(-1), rows = statistics.size(1);
    torch::Tensor dx, d_weight, d_bias;
    if (context->needs_input_grad(0)) dx = torch::empty_like(input);
    if (context->needs_input_grad(1)) d_weight = torch::zeros_like(weight);
    if (context->needs_input_grad(2)) d_bias = torch::zeros_like(weight);
    const auto data = [](torch::Tensor& t) { return t.defined() ? t.data_ptr<float>() : nullptr; };
    layer_norm_loops::backward(input.data_ptr<float>(), dy.data_ptr<float>(), rows, dim, weight.data_ptr<float>(),
                               statistics[0].data_ptr<float>(), statistics[1].data_ptr<float>(), data(dx),
                               data(d_weight), data(d_bias));
    return {dx, d_weight, d_bias, torch::Tensor()};
  }
};

}  // namespace

torch::Tensor layer_norm(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias, double eps) {
  if (x.dim() == 0 || weight.dim() != 1 || bias.dim() != 1 || weight.size(0) != x.size(-1) ||
      bias.size(0) != x.size(-1)) {
    throw Error("layer_norm: weight and bias must have one element per column of the input's last dimension, got "
                "input " + c10::str(x.sizes()) + ", weight " + c10::str(weight.sizes()) + ", bias " +
                c10::str(bias.sizes()));
  }
  if (!(cpu_floats(x) && cpu_floats(weight) && cpu_floats(bias))) {
    return torch::layer_norm(x, {x.size(-1)}, weight, bias, eps);
  }
  return LayerNorm::apply(x, weight.contiguous(), bias.contiguous(), eps);
}

}  // namespace spotlight::nn
