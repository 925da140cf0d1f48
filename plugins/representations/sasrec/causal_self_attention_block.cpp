#include "causal_self_attention_block.h"

#include <cmath>
#include <limits>

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
  attention_dropout_ = register_module("attention_dropout", torch::nn::Dropout(options.dropout()));
  feed_forward_dropout_ = register_module("feed_forward_dropout", torch::nn::Dropout(options.dropout()));
  residual_dropout_ = register_module("residual_dropout", torch::nn::Dropout(options.dropout()));
}

torch::Tensor CausalSelfAttentionBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& allowed) {
  if (options_.norm_first()) {
    auto h = x + residual_dropout_->forward(attend(attention_norm_->forward(x), allowed));
    return h + feed_forward(feed_forward_norm_->forward(h));
  }
  auto h = attention_norm_->forward(x + residual_dropout_->forward(attend(x, allowed)));
  return feed_forward_norm_->forward(h + feed_forward(h));
}

torch::Tensor CausalSelfAttentionBlockImpl::attend(const torch::Tensor& x, const torch::Tensor& allowed) {
  const int64_t batch = x.size(0), steps = x.size(1), heads = options_.num_heads();
  const int64_t head_dim = options_.dim() / heads;
  // (batch, steps, dim) -> (batch, heads, steps, head_dim)
  auto split = [&](const torch::Tensor& t) { return t.view({batch, steps, heads, head_dim}).transpose(1, 2); };
  auto q = split(query_->forward(x)), k = split(key_->forward(x)), v = split(value_->forward(x));
  auto scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(head_dim));
  // A forbidden key gets weight exactly zero, so what it holds cannot reach the query.
  scores = scores.masked_fill(allowed.logical_not(), -std::numeric_limits<float>::infinity());
  auto weights = attention_dropout_->forward(torch::softmax(scores, -1));
  auto mixed = torch::matmul(weights, v).transpose(1, 2).reshape({batch, steps, options_.dim()});
  return output_->forward(mixed);
}

torch::Tensor CausalSelfAttentionBlockImpl::feed_forward(const torch::Tensor& x) {
  auto hidden = expand_->forward(x);
  hidden = options_.gelu() ? torch::gelu(hidden) : torch::relu(hidden);
  return feed_forward_dropout_->forward(contract_->forward(feed_forward_dropout_->forward(hidden)));
}
