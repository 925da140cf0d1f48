#include "spotlight/sdk/nn/causal_attention.h"

#include <limits>
#include <vector>

#include <torch/autograd.h>

#include "causal_attention_loops.h"
#include "dropout_hash.h"

namespace spotlight::nn {

namespace {

namespace loops = causal_attention_loops;

loops::Layout layout_of(const torch::Tensor& rows, const torch::Tensor& lengths, const torch::Tensor& is_key,
                        int64_t heads) {
  return loops::Layout{rows.size(1), heads, lengths.data_ptr<int64_t>(), lengths.numel(), is_key.data_ptr<uint8_t>()};
}

class CausalAttention : public torch::autograd::Function<CausalAttention> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* context, const torch::Tensor& queries,
                               const torch::Tensor& keys, const torch::Tensor& values, const torch::Tensor& lengths,
                               const torch::Tensor& is_key, int64_t heads, double dropout, int64_t kernel) {
    const auto q = queries.contiguous(), k = keys.contiguous(), v = values.contiguous();
    const auto layout = layout_of(q, lengths, is_key, heads);
    const uint64_t seed = dropout > 0.0 ? next_dropout_seed() : 0;
    auto probs = torch::empty({loops::prob_count(layout)}, q.options());
    auto out = torch::empty_like(q);
    loops::forward(static_cast<tap_products::Kernel>(kernel), layout, q.data_ptr<float>(), k.data_ptr<float>(),
                   v.data_ptr<float>(), seed, dropout, probs.data_ptr<float>(), out.data_ptr<float>());
    context->save_for_backward({q, k, v, probs, lengths, is_key});
    context->saved_data["seed"] = static_cast<int64_t>(seed);
    context->saved_data["dropout"] = dropout;
    context->saved_data["heads"] = heads;
    context->saved_data["kernel"] = kernel;
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::variable_list output_gradients) {
    const auto saved = context->get_saved_variables();
    const auto &q = saved[0], &k = saved[1], &v = saved[2], &probs = saved[3];
    const auto layout = layout_of(q, saved[4], saved[5], context->saved_data["heads"].toInt());
    const auto grad_out = output_gradients[0].contiguous();
    auto grad_q = torch::zeros_like(q), grad_k = torch::zeros_like(k), grad_v = torch::zeros_like(v);
    loops::backward(static_cast<tap_products::Kernel>(context->saved_data["kernel"].toInt()), layout,
                    q.data_ptr<float>(), k.data_ptr<float>(), v.data_ptr<float>(), probs.data_ptr<float>(),
                    grad_out.data_ptr<float>(), static_cast<uint64_t>(context->saved_data["seed"].toInt()),
                    context->saved_data["dropout"].toDouble(), grad_q.data_ptr<float>(), grad_k.data_ptr<float>(),
                    grad_v.data_ptr<float>());
    return {grad_q, grad_k, grad_v, torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor(),
            torch::Tensor()};
  }
};

// The same attention from LibTorch's operators, one sequence at a time, on any device and type.
torch::Tensor by_sequence(const torch::Tensor& queries, const torch::Tensor& keys, const torch::Tensor& values,
                          const torch::Tensor& lengths, const torch::Tensor& is_key, int64_t heads, double dropout,
                          bool training) {
  const int64_t dim = queries.size(1), width = dim / heads;
  std::vector<torch::Tensor> outputs;
  int64_t first = 0;
  for (int64_t s = 0; s < lengths.numel(); ++s) {
    const int64_t n = lengths[s].item<int64_t>();
    auto by_head = [&](const torch::Tensor& t) {
      return t.narrow(0, first, n).view({n, heads, width}).transpose(0, 1);
    };
    const auto allowed =
        torch::ones({n, n}, is_key.options()).tril().logical_and(is_key.narrow(0, first, n).unsqueeze(0));
    const auto scores = torch::matmul(by_head(queries), by_head(keys).transpose(1, 2))
                            .masked_fill(allowed.logical_not(), -std::numeric_limits<double>::infinity());
    // A row without keys is all -inf, whose softmax is NaN: zero it.
    auto weights = torch::softmax(scores, -1).masked_fill(allowed.logical_not(), 0.0);
    weights = torch::dropout(weights, dropout, training);
    outputs.push_back(torch::matmul(weights, by_head(values)).transpose(0, 1).reshape({n, dim}));
    first += n;
  }
  return outputs.empty() ? torch::zeros_like(queries) : torch::cat(outputs, 0);
}

}  // namespace

torch::Tensor causal_attention(const torch::Tensor& queries, const torch::Tensor& keys, const torch::Tensor& values,
                               const torch::Tensor& lengths, const torch::Tensor& is_key, int64_t heads,
                               double dropout, bool training) {
  return causal_attention_with(tap_products::widest(), queries, keys, values, lengths, is_key, heads, dropout,
                               training);
}

torch::Tensor causal_attention_with(tap_products::Kernel kernel, const torch::Tensor& queries,
                                    const torch::Tensor& keys, const torch::Tensor& values,
                                    const torch::Tensor& lengths, const torch::Tensor& is_key, int64_t heads,
                                    double dropout, bool training) {
  TORCH_CHECK(tap_products::available(kernel), "causal_attention: the ", tap_products::name(kernel),
              " kernel does not run on this CPU");
  TORCH_CHECK(queries.dim() == 2 && keys.sizes() == queries.sizes() && values.sizes() == queries.sizes(),
              "causal_attention: queries, keys and values must be (rows, dim) tensors of one shape");
  TORCH_CHECK(heads >= 1 && queries.size(1) % heads == 0, "causal_attention: ", heads,
              " heads do not divide the width ", queries.size(1));
  TORCH_CHECK(lengths.device().is_cpu() && lengths.scalar_type() == torch::kInt64 && lengths.dim() == 1,
              "causal_attention: lengths must be a 1-D CPU int64 tensor");
  TORCH_CHECK(lengths.numel() == 0 || (lengths.min().item<int64_t>() >= 0 &&
                                       lengths.sum().item<int64_t>() == queries.size(0)),
              "causal_attention: the lengths must be non-negative and sum to the rows (", queries.size(0), ")");
  TORCH_CHECK(lengths.numel() > 0 || queries.size(0) == 0, "causal_attention: rows without sequences");
  TORCH_CHECK(is_key.dim() == 1 && is_key.numel() == queries.size(0),
              "causal_attention: is_key must hold one flag per row");
  TORCH_CHECK(dropout >= 0.0 && dropout < 1.0, "causal_attention: dropout must be in [0, 1)");
  const double p = training ? dropout : 0.0;
  if (!queries.device().is_cpu() || queries.scalar_type() != torch::kFloat32 ||
      keys.scalar_type() != torch::kFloat32 || values.scalar_type() != torch::kFloat32) {
    return by_sequence(queries, keys, values, lengths, is_key.to(torch::kBool), heads, p, training);
  }
  return CausalAttention::apply(queries, keys, values, lengths.contiguous(), is_key.to(torch::kUInt8).contiguous(),
                                heads, p, static_cast<int64_t>(kernel));
}

}  // namespace spotlight::nn
