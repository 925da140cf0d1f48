#pragma once

#include <torch/optim/adagrad.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>

#include <cstdint>
#include <vector>

namespace spotlight {

// LibTorch's Adam, Adagrad and SGD with step() done in one pass over each parameter instead
// of five to ten tensor operations. They keep LibTorch's state objects and keys, so
// checkpoints are the same as the plain optimizers' and load into either. The fused loop
// runs when every parameter with a gradient is a contiguous float32 CPU tensor with a dense
// contiguous gradient, or, for Adagrad without weight decay, a sparse gradient of whole rows
// (an embedding's): then only the rows it holds are read and written, with repeated rows
// summed first as LibTorch's coalesce() does. Anything else (a GPU, a closure) takes
// LibTorch's own step.
class FusedAdam : public torch::optim::Adam {
 public:
  using torch::optim::Adam::Adam;
  torch::Tensor step(LossClosure closure = nullptr) override;
};

class FusedAdagrad : public torch::optim::Adagrad {
 public:
  using torch::optim::Adagrad::Adagrad;
  torch::Tensor step(LossClosure closure = nullptr) override;

 private:
  std::vector<int32_t> slot_of_row_;  // scratch for summing repeated rows, -1 between steps
  std::vector<int64_t> rows_;
  std::vector<float> row_sums_;
};

class FusedSgd : public torch::optim::SGD {
 public:
  using torch::optim::SGD::SGD;
  torch::Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace spotlight
