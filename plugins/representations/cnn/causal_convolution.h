#pragma once

#include <torch/torch.h>

// One causal atrous convolution layer over (batch, steps, dim) with its activation and
// optional residual connection: out[t] = f(b + sum_m W_m x[t - (k-1-m) d]) (+ x[t]), with
// x[t] = 0 before the sequence starts. Tap m's weights are columns [m dim, (m+1) dim) of
// `weight` (dim, k dim).
class CausalConvolutionImpl : public torch::nn::Module {
 public:
  CausalConvolutionImpl(int64_t dim, int64_t kernel_width, int64_t dilation, bool relu, bool residual);

  // On CPU float32 one autograd node: each tap is one product over every sequence at once
  // (the sequences laid end to end behind their zero padding), and the activation with the
  // residual is one loop. Elsewhere the same arithmetic in LibTorch operations.
  torch::Tensor forward(const torch::Tensor& x);

 private:
  int64_t kernel_width_;
  int64_t dilation_;
  bool relu_;
  bool residual_;
  torch::Tensor weight_;
  torch::Tensor bias_;
};
TORCH_MODULE(CausalConvolution);
