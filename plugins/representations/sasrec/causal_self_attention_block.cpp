#include "causal_self_attention_block.h"

#include <cmath>

#include "spotlight/sdk/nn/catalogue_scores.h"
#include "spotlight/sdk/nn/causal_attention.h"
#include "spotlight/sdk/nn/dropout.h"
#include "spotlight/sdk/nn/layer_norm.h"

namespace {

// layer(x) for x (rows, dim) on the SDK's tap-product kernels: catalogue_scores computes
// x W^T + b for a layer's (out, in) weight as for an item table. These layers are as narrow
// as the embedding, where a BLAS call spends more time packing its operands than multiplying.
torch::Tensor narrow_linear(const torch::nn::Linear& layer, const torch::Tensor& x) {
  return spotlight::nn::catalogue_scores(x, layer->weight, layer->bias.unsqueeze(1));
}

}  // namespace

torch::Tensor apply_norm(const torch::nn::LayerNorm& norm, const torch::Tensor& x) {
  return spotlight::nn::layer_norm(x, norm->weight, norm->bias, norm->options.eps());
}

CausalSelfAttentionBlockImpl::CausalSelfAttentionBlockImpl(const CausalSelfAttentionBlockOptions& options)
    : options_(options) {
  const int64_t dim = options.dim();
  TORCH_CHECK(dim % options.num_heads() == 0, "the width must be divisible by the number of heads");
  query_ = register_module("query", torch::nn::Linear(dim, dim));
  key_ = register_module("key", torch::nn::Linear(dim, dim));
  value_ = register_module("value", torch::nn::Linear(dim, dim));
  output_ = register_module("output", torch::nn::Linear(dim, dim));
  expand_ = register_module("expand", torch::nn::Linear(dim, options.feed_forward_dim()));
  contract_ = register_module("contract", torch::nn::Linear(options.feed_forward_dim(), dim));
  const auto norm = torch::nn::LayerNormOptions({dim}).eps(1e-8);
  attention_norm_ = register_module("attention_norm", torch::nn::LayerNorm(norm));
  feed_forward_norm_ = register_module("feed_forward_norm", torch::nn::LayerNorm(norm));
}

torch::Tensor CausalSelfAttentionBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& lengths,
                                                   const torch::Tensor& is_key) {
  if (options_.norm_first()) {
    auto h = x + drop(attend(apply_norm(attention_norm_, x), lengths, is_key));
    return h + feed_forward(apply_norm(feed_forward_norm_, h));
  }
  auto h = apply_norm(attention_norm_, x + drop(attend(x, lengths, is_key)));
  return apply_norm(feed_forward_norm_, h + feed_forward(h));
}

torch::Tensor CausalSelfAttentionBlockImpl::attend(const torch::Tensor& x, const torch::Tensor& lengths,
                                                  const torch::Tensor& is_key) {
  const int64_t heads = options_.num_heads();
  // The queries, keys and values as one product with the three weights stacked; the queries'
  // scale 1 / sqrt(head width) goes on their weight and bias, not on every row.
  const double scale = 1.0 / std::sqrt(static_cast<double>(options_.dim() / heads));
  const auto weights = torch::cat({query_->weight * scale, key_->weight, value_->weight});
  const auto biases = torch::cat({query_->bias * scale, key_->bias, value_->bias});
  const auto qkv = spotlight::nn::catalogue_scores(x, weights, biases.unsqueeze(1));
  const auto mixed =
      spotlight::nn::causal_attention_packed(qkv, lengths, is_key, heads, options_.dropout(), is_training());
  return narrow_linear(output_, mixed);
}

torch::Tensor CausalSelfAttentionBlockImpl::drop(const torch::Tensor& x) {
  return spotlight::nn::dropout(x, options_.dropout(), is_training());
}

torch::Tensor CausalSelfAttentionBlockImpl::feed_forward(const torch::Tensor& x) {
  auto hidden = narrow_linear(expand_, x);
  hidden = options_.gelu() ? torch::gelu(hidden) : torch::relu(hidden);
  return drop(narrow_linear(contract_, drop(hidden)));
}
