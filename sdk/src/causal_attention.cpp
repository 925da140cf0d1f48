#include "spotlight/sdk/nn/causal_attention.h"

#include <limits>
#include <vector>

#include <torch/autograd.h>

#include "causal_attention_loops.h"
#include "dropout_hash.h"

namespace spotlight::nn {

namespace {

namespace loops = causal_attention_loops;

// Queries, keys and values side by side in `qkv` (rows, 3 dim).
loops::Layout layout_of(const torch::Tensor& qkv, const torch::Tensor& lengths, const torch::Tensor& is_key,
                        int64_t heads) {
  const int64_t dim = qkv.size(1) / 3;
  return loops::Layout{dim, heads, lengths.data_ptr<int64_t>(), lengths.numel(), is_key.data_ptr<uint8_t>(), 3 * dim};
}

// How a forward pass ran, kept for its backward pass: the kernel, the attention's dropout
// probability (0 outside training) and the seed its mask was drawn from, so that the backward
// pass draws the same mask.
struct Run {
  tap_products::Kernel kernel;
  double dropout;
  uint64_t seed;

  void save(torch::autograd::AutogradContext* context) const {
    context->saved_data["kernel"] = static_cast<int64_t>(kernel);
    context->saved_data["dropout"] = dropout;
    context->saved_data["seed"] = static_cast<int64_t>(seed);
  }

  static Run saved(torch::autograd::AutogradContext* context) {
    const auto& data = context->saved_data;
    const auto kernel = static_cast<tap_products::Kernel>(data.at("kernel").toInt());
    const double dropout = data.at("dropout").toDouble();
    const auto seed = static_cast<uint64_t>(data.at("seed").toInt());
    return Run{kernel, dropout, seed};
  }
};

class CausalAttention : public torch::autograd::Function<CausalAttention> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* context, const torch::Tensor& qkv,
                               const torch::Tensor& lengths, const torch::Tensor& is_key, int64_t heads,
                               double dropout, int64_t kernel) {
    const auto in = qkv.contiguous();
    const auto layout = layout_of(in, lengths, is_key, heads);
    const Run run{static_cast<tap_products::Kernel>(kernel), dropout, dropout > 0.0 ? next_dropout_seed() : 0};
    auto probs = torch::empty({loops::prob_count(layout)}, in.options());
    auto out = torch::empty({in.size(0), layout.dim}, in.options());
    const float* queries = in.data_ptr<float>();
    loops::forward(run.kernel, layout, queries, queries + layout.dim, queries + 2 * layout.dim, run.seed, run.dropout,
                   probs.data_ptr<float>(), out.data_ptr<float>());
    context->save_for_backward({in, probs, lengths, is_key});
    context->saved_data["heads"] = heads;
    run.save(context);
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::variable_list output_gradients) {
    const auto saved = context->get_saved_variables();
    const auto &in = saved[0], &probs = saved[1];
    const auto layout = layout_of(in, saved[2], saved[3], context->saved_data["heads"].toInt());
    const auto grad_out = output_gradients[0].contiguous();
    // One gradient for the three, side by side like them.
    auto grad = torch::zeros_like(in);
    const float* queries = in.data_ptr<float>();
    float* d_queries = grad.data_ptr<float>();
    const Run run = Run::saved(context);
    loops::backward(run.kernel, layout, queries, queries + layout.dim, queries + 2 * layout.dim,
                    probs.data_ptr<float>(), grad_out.data_ptr<float>(), run.seed, run.dropout, d_queries,
                    d_queries + layout.dim, d_queries + 2 * layout.dim);
    return {grad, torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

// The same attention from LibTorch's operators, one sequence at a time, on any device and type;
// `dropout` 0 outside training.
torch::Tensor by_sequence(const torch::Tensor& queries, const torch::Tensor& keys, const torch::Tensor& values,
                          const torch::Tensor& lengths, const torch::Tensor& is_key, int64_t heads, double dropout) {
  const int64_t dim = queries.size(1), width = dim / heads;
  std::vector<torch::Tensor> outputs;
  int64_t first = 0;
  for (int64_t s = 0; s < lengths.numel(); ++s) {
    const int64_t n = lengths.data_ptr<int64_t>()[s];
    auto by_head = [&](const torch::Tensor& t) {
      return t.narrow(0, first, n).view({n, heads, width}).transpose(0, 1);
    };
    const auto allowed =
        torch::ones({n, n}, is_key.options()).tril().logical_and(is_key.narrow(0, first, n).unsqueeze(0));
    const auto scores = torch::matmul(by_head(queries), by_head(keys).transpose(1, 2))
                            .masked_fill(allowed.logical_not(), -std::numeric_limits<double>::infinity());
    // A row without keys is all -inf, whose softmax is NaN: zero it.
    auto weights = torch::softmax(scores, -1).masked_fill(allowed.logical_not(), 0.0);
    weights = torch::dropout(weights, dropout, dropout > 0.0);
    outputs.push_back(torch::matmul(weights, by_head(values)).transpose(0, 1).reshape({n, dim}));
    first += n;
  }
  return outputs.empty() ? torch::zeros_like(queries) : torch::cat(outputs, 0);
}

// Checks the arguments common to every entry point; `dim` is the width of one of the three.
void check_arguments(int64_t rows, int64_t dim, const torch::Tensor& lengths, const torch::Tensor& is_key,
                     int64_t heads, double dropout) {
  TORCH_CHECK(heads >= 1 && dim % heads == 0, "causal_attention: ", heads, " heads do not divide the width ", dim);
  TORCH_CHECK(lengths.device().is_cpu() && lengths.scalar_type() == torch::kInt64 && lengths.dim() == 1,
              "causal_attention: lengths must be a 1-D CPU int64 tensor");
  const auto* length = lengths.contiguous().data_ptr<int64_t>();
  int64_t total = 0;
  bool negative = false;
  for (int64_t s = 0; s < lengths.numel(); ++s) {
    negative = negative || length[s] < 0;
    total += length[s];
  }
  TORCH_CHECK(!negative && total == rows, "causal_attention: the lengths must be non-negative and sum to the rows (",
              rows, ")");
  TORCH_CHECK(is_key.dim() == 1 && is_key.numel() == rows, "causal_attention: is_key must hold one flag per row");
  TORCH_CHECK(dropout >= 0.0 && dropout < 1.0, "causal_attention: dropout must be in [0, 1)");
}

torch::Tensor attend(tap_products::Kernel kernel, const torch::Tensor& qkv, const torch::Tensor& lengths,
                     const torch::Tensor& is_key, int64_t heads, double dropout, bool training) {
  TORCH_CHECK(tap_products::available(kernel), "causal_attention: the ", tap_products::name(kernel),
              " kernel does not run on this CPU");
  const int64_t dim = qkv.size(1) / 3;
  check_arguments(qkv.size(0), dim, lengths, is_key, heads, dropout);
  const double p = training ? dropout : 0.0;
  if (!qkv.device().is_cpu() || qkv.scalar_type() != torch::kFloat32) {
    return by_sequence(qkv.narrow(1, 0, dim), qkv.narrow(1, dim, dim), qkv.narrow(1, 2 * dim, dim),
                       lengths.contiguous(), is_key.to(torch::kBool), heads, p);
  }
  return CausalAttention::apply(qkv, lengths.contiguous(), is_key.to(torch::kUInt8).contiguous(), heads, p,
                                static_cast<int64_t>(kernel));
}

torch::Tensor side_by_side(const torch::Tensor& queries, const torch::Tensor& keys, const torch::Tensor& values) {
  TORCH_CHECK(queries.dim() == 2 && keys.sizes() == queries.sizes() && values.sizes() == queries.sizes(),
              "causal_attention: queries, keys and values must be (rows, dim) tensors of one shape");
  return torch::cat({queries, keys, values}, 1);
}

}  // namespace

torch::Tensor causal_attention(const torch::Tensor& queries, const torch::Tensor& keys, const torch::Tensor& values,
                               const torch::Tensor& lengths, const torch::Tensor& is_key, int64_t heads,
                               double dropout, bool training) {
  return attend(tap_products::widest(), side_by_side(queries, keys, values), lengths, is_key, heads, dropout,
                training);
}

torch::Tensor causal_attention_packed(const torch::Tensor& qkv, const torch::Tensor& lengths,
                                      const torch::Tensor& is_key, int64_t heads, double dropout, bool training) {
  TORCH_CHECK(qkv.dim() == 2 && qkv.size(1) % 3 == 0,
              "causal_attention: qkv must be a (rows, 3 dim) tensor: queries, keys and values side by side");
  return attend(tap_products::widest(), qkv, lengths, is_key, heads, dropout, training);
}

torch::Tensor causal_attention_with(tap_products::Kernel kernel, const torch::Tensor& queries,
                                    const torch::Tensor& keys, const torch::Tensor& values,
                                    const torch::Tensor& lengths, const torch::Tensor& is_key, int64_t heads,
                                    double dropout, bool training) {
  return attend(kernel, side_by_side(queries, keys, values), lengths, is_key, heads, dropout, training);
}

}  // namespace spotlight::nn
