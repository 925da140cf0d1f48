#pragma once

#include <torch/torch.h>

#include "spotlight/sdk/export.h"
#include "spotlight/sdk/random.h"

namespace spotlight::nn {

// Dropout for CPU float tensors whose mask is a hash of (a seed drawn from LibTorch's default
// generator, the element's index): one pass forward, one backward, and no mask kept in
// between, where torch::dropout draws each element through the generator (a third of a
// SASRec epoch, most of it in attention weights). Seeded runs stay reproducible: the seed
// comes from torch::manual_seed's generator. Identity when not training or p == 0; other
// devices and types go to torch::dropout. Like torch::dropout, kept elements are scaled by
// 1 / (1 - p).
SPOTLIGHT_SDK_API torch::Tensor dropout(const torch::Tensor& x, double p, bool training);

// While one lives, dropout on the thread that made it draws its seeds from `seeds` instead of
// LibTorch's generator. The host gives each thread that trains a part of a minibatch a stream
// of its own, drawn from LibTorch's generator in order, so a seeded run draws the same masks
// whichever thread runs first. Not copyable; the previous source returns when it ends.
class SPOTLIGHT_SDK_API DropoutSeeds {
 public:
  explicit DropoutSeeds(Random& seeds);
  ~DropoutSeeds();
  DropoutSeeds(const DropoutSeeds&) = delete;
  DropoutSeeds& operator=(const DropoutSeeds&) = delete;

 private:
  Random* previous_;
};

}  // namespace spotlight::nn
