#pragma once

#include <vector>

#include <torch/torch.h>

// One SASRec block (Kang & McAuley 2018): multi-head self-attention in which each position
// sees only itself, earlier positions and no padding, then a point-wise feed-forward layer,
// each with a residual connection and a layer norm, either before the sub-layer (pre-LN,
// `norm_first`) or after the residual sum (post-LN, the Transformer's original order).
struct CausalSelfAttentionBlockOptions {
  CausalSelfAttentionBlockOptions(int64_t dim, int64_t num_heads, int64_t feed_forward_dim)
      : dim_(dim), num_heads_(num_heads), feed_forward_dim_(feed_forward_dim) {}
  TORCH_ARG(int64_t, dim);
  TORCH_ARG(int64_t, num_heads);
  TORCH_ARG(int64_t, feed_forward_dim);
  TORCH_ARG(double, dropout) = 0.0;
  TORCH_ARG(bool, norm_first) = true;
  TORCH_ARG(bool, gelu) = false;  // the feed-forward activation: GELU, else ReLU
};

class CausalSelfAttentionBlockImpl : public torch::nn::Module {
 public:
  explicit CausalSelfAttentionBlockImpl(const CausalSelfAttentionBlockOptions& options);

  // x (rows, dim): the rows of several sequences one after another, in step order, sequence s
  // holding lengths[s] rows (a CPU int64 tensor); a row attends to the earlier rows of its
  // sequence, and itself, that are keys (is_key, one flag per row).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& lengths, const torch::Tensor& is_key);

 private:
  torch::Tensor attend(const torch::Tensor& x, const torch::Tensor& lengths, const torch::Tensor& is_key);
  torch::Tensor feed_forward(const torch::Tensor& x);
  // Dropout on attention weights and sub-layer outputs, while training.
  torch::Tensor drop(const torch::Tensor& x);

  CausalSelfAttentionBlockOptions options_;
  torch::nn::Linear query_{nullptr}, key_{nullptr}, value_{nullptr}, output_{nullptr};
  torch::nn::Linear expand_{nullptr}, contract_{nullptr};
  torch::nn::LayerNorm attention_norm_{nullptr}, feed_forward_norm_{nullptr};
};
TORCH_MODULE(CausalSelfAttentionBlock);

// norm(x) through the SDK's layer norm (one autograd node over vector loops), with the
// module's parameters.
torch::Tensor apply_norm(const torch::nn::LayerNorm& norm, const torch::Tensor& x);
