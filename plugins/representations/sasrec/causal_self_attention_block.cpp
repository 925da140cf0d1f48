#include "causal_self_attention_block.h"

#include <cmath>
#include <limits>

#include "spotlight/sdk/nn/dropout.h"

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

torch::Tensor CausalSelfAttentionBlockImpl::forward(const torch::Tensor& x, const std::vector<int64_t>& lengths,
                                                   const std::vector<torch::Tensor>& hidden) {
  if (options_.norm_first()) {
    auto h = x + drop(attend(attention_norm_->forward(x), lengths, hidden));
    return h + feed_forward(feed_forward_norm_->forward(h));
  }
  auto h = attention_norm_->forward(x + drop(attend(x, lengths, hidden)));
  return feed_forward_norm_->forward(h + feed_forward(h));
}

torch::Tensor CausalSelfAttentionBlockImpl::attend(const torch::Tensor& x, const std::vector<int64_t>& lengths,
                                                  const std::vector<torch::Tensor>& hidden) {
  const int64_t heads = options_.num_heads(), head_dim = options_.dim() / heads;
  const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim));
  // The projections over every row at once; the attention itself per sequence, over its own
  // rows only (no padding among them), as (heads, rows, head_dim) products.
  const auto q = query_->forward(x), k = key_->forward(x), v = value_->forward(x);
  std::vector<torch::Tensor> mixed;
  mixed.reserve(lengths.size());
  int64_t start = 0;
  for (size_t s = 0; s < lengths.size(); ++s) {
    const int64_t rows = lengths[s];
    auto split = [&](const torch::Tensor& t) { return t.narrow(0, start, rows).view({rows, heads, head_dim}).transpose(0, 1); };
    auto scores = torch::bmm(split(q), split(k).transpose(1, 2)).mul_(scale);
    scores.masked_fill_(hidden[s], -std::numeric_limits<float>::infinity());
    auto weights = drop(torch::softmax(scores, -1));
    mixed.push_back(torch::bmm(weights, split(v)).transpose(0, 1).reshape({rows, options_.dim()}));
    start += rows;
  }
  return output_->forward(torch::cat(mixed, 0));
}

torch::Tensor CausalSelfAttentionBlockImpl::drop(const torch::Tensor& x) {
  return spotlight::nn::dropout(x, options_.dropout(), is_training());
}

torch::Tensor CausalSelfAttentionBlockImpl::feed_forward(const torch::Tensor& x) {
  auto hidden = expand_->forward(x);
  hidden = options_.gelu() ? torch::gelu(hidden) : torch::relu(hidden);
  return drop(contract_->forward(drop(hidden)));
}
