#include "causal_self_attention_block.h"

#include <cmath>

#include "spotlight/sdk/nn/catalogue_scores.h"
#include "spotlight/sdk/nn/dropout.h"

namespace {

// layer(x) for x (rows, dim) on the SDK's tap-product kernels: catalogue_scores computes
// x W^T + b for a layer's (out, in) weight as for an item table. These layers are as narrow
// as the embedding, where a BLAS call spends more time packing its operands than multiplying.
torch::Tensor narrow_linear(const torch::nn::Linear& layer, const torch::Tensor& x) {
  return spotlight::nn::catalogue_scores(x, layer->weight, layer->bias.unsqueeze(1));
}

}  // namespace

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

torch::Tensor CausalSelfAttentionBlockImpl::forward(const torch::Tensor& x, const AttentionGroups& groups) {
  if (options_.norm_first()) {
    auto h = x + drop(attend(attention_norm_->forward(x), groups));
    return h + feed_forward(feed_forward_norm_->forward(h));
  }
  auto h = attention_norm_->forward(x + drop(attend(x, groups)));
  return feed_forward_norm_->forward(h + feed_forward(h));
}

torch::Tensor CausalSelfAttentionBlockImpl::attend(const torch::Tensor& x, const AttentionGroups& groups) {
  const int64_t heads = options_.num_heads(), head_dim = options_.dim() / heads;
  const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim));
  // The projections over every row at once (plus a zero row for the slots past a sequence's
  // end), gathered into every group's slots by one index_select each and split by group: one
  // scatter-add backward per projection, not one over the whole matrix per group. The
  // attention per group, as (sequences, heads, width, head_dim) products.
  auto slots = [&](const torch::Tensor& t) {
    return torch::constant_pad_nd(t, {0, 0, 0, 1}).index_select(0, groups.slots).split_with_sizes(groups.slot_counts);
  };
  // The scale goes on the queries (rows x dim) rather than on every group's scores.
  const auto q = slots(narrow_linear(query_, x).mul(scale));
  const auto k = slots(narrow_linear(key_, x)), v = slots(narrow_linear(value_, x));
  std::vector<torch::Tensor> mixed;
  mixed.reserve(groups.groups.size());
  for (size_t g = 0; g < groups.groups.size(); ++g) {
    const auto& group = groups.groups[g];
    auto split = [&](const torch::Tensor& t) {
      return t.view({group.sequences, group.width, heads, head_dim}).transpose(1, 2);
    };
    auto scores = torch::matmul(split(q[g]), split(k[g]).transpose(-2, -1)).add_(group.mask);
    auto weights = drop(torch::softmax(scores, -1));
    mixed.push_back(
        torch::matmul(weights, split(v[g])).transpose(1, 2).reshape({group.sequences * group.width, options_.dim()}));
  }
  // Every row from the slot that holds it, back in row order.
  return narrow_linear(output_, torch::cat(mixed, 0).index_select(0, groups.back));
}

torch::Tensor CausalSelfAttentionBlockImpl::drop(const torch::Tensor& x) {
  return spotlight::nn::dropout(x, options_.dropout(), is_training());
}

torch::Tensor CausalSelfAttentionBlockImpl::feed_forward(const torch::Tensor& x) {
  auto hidden = narrow_linear(expand_, x);
  hidden = options_.gelu() ? torch::gelu(hidden) : torch::relu(hidden);
  return drop(narrow_linear(contract_, drop(hidden)));
}
