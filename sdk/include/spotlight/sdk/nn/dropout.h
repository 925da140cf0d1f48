#pragma once

#include <torch/torch.h>

#include "spotlight/sdk/export.h"

namespace spotlight::nn {

// Dropout for CPU float tensors whose mask is a hash of (a seed drawn from LibTorch's default
// generator, the element's index): one pass forward, one backward, and no mask kept in
// between, where torch::dropout draws each element through the generator (a third of a
// SASRec epoch, most of it in attention weights). Seeded runs stay reproducible: the seed
// comes from torch::manual_seed's generator. Identity when not training or p == 0; other
// devices and types go to torch::dropout. Like torch::dropout, kept elements are scaled by
// 1 / (1 - p).
SPOTLIGHT_SDK_API torch::Tensor dropout(const torch::Tensor& x, double p, bool training);

}  // namespace spotlight::nn
