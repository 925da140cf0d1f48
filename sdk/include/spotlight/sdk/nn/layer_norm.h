#pragma once

#include <torch/types.h>

#include "spotlight/sdk/export.h"

namespace spotlight::nn {

// Layer normalisation over the last dimension, as torch::layer_norm(x, {dim}, weight, bias,
// eps): each row of the last dimension becomes (x - mean) / sqrt(variance + eps) * weight +
// bias, with the row's mean and biased variance; weight and bias have dim elements.
//
// On CPU float32 tensors one autograd node over loops compiled for the CPU's widest vector
// width: one pass over the rows forward (keeping each row's mean and reciprocal deviation),
// one backward for the input's, weight's and bias's gradients together: about a third of the
// time of LibTorch 1.13's on rows as narrow as an embedding (bench/layer_norm_bench.cpp).
// Rows whose width is a multiple of 8 run at the vector width of the tap products; others,
// plain loops. Elsewhere (other devices and types), torch::layer_norm.
SPOTLIGHT_SDK_API torch::Tensor layer_norm(const torch::Tensor& x, const torch::Tensor& weight,
                                           const torch::Tensor& bias, double eps);

}  // namespace spotlight::nn
