#pragma once

#include <cstdint>

// The loops of nn::layer_norm's autograd node (layer_norm.cpp) on raw float rows of `dim`
// floats, compiled for AVX-512, AVX2 and baseline x86-64. No LibTorch here.
namespace spotlight::nn::layer_norm_loops {

// y = (x - mean) * rstd * weight + bias per row; mean[r] and rstd[r] = 1 / sqrt(variance + eps)
// of each row are written for backward().
void forward(const float* x, int64_t rows, int64_t dim, const float* weight, const float* bias, float eps, float* y,
             float* mean, float* rstd);

// From the forward pass's x, mean and rstd and the output's gradient dy: dx (rows x dim; null:
// not wanted), and d weight and d bias (dim each; null: not wanted) added to what they hold.
void backward(const float* x, const float* dy, int64_t rows, int64_t dim, const float* weight, const float* mean,
              const float* rstd, float* dx, float* d_weight, float* d_bias);

}  // namespace spotlight::nn::layer_norm_loops
