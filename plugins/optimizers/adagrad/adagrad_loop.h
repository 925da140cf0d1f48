#pragma once

#include <cstdint>

// One Adagrad step over n contiguous floats in a single pass over memory. The arithmetic is
// LibTorch 1.13's (torch/csrc/api/src/optim/adagrad.cpp), element by element, so the fused
// optimizer and LibTorch's own produce the same values up to float rounding. The gradient is
// read once; weight decay is applied on the fly (gradient + decay * parameter).
namespace adagrad_loop {

struct Step {
  float learning_rate;  // already decayed: lr / (1 + (step - 1) * lr_decay)
  float eps;
  float weight_decay;
};

void update(float* parameter, const float* gradient, float* sum, int64_t n, const Step& step);

}  // namespace adagrad_loop
