#pragma once

#include <cstdint>

// One SGD step over n contiguous floats in a single pass over memory. The arithmetic is
// LibTorch 1.13's (torch/csrc/api/src/optim/sgd.cpp), element by element, so the fused
// optimizer and LibTorch's own produce the same values up to float rounding. The gradient is
// read once; weight decay is applied on the fly (gradient + decay * parameter).
namespace sgd_loop {

struct Step {
  float learning_rate;
  float weight_decay;
  float momentum;
  float dampening;
  bool nesterov;
  bool first;  // the momentum buffer starts as a copy of the first (decayed) gradient
};

// `momentum_buffer` is null when momentum is 0.
void update(float* parameter, const float* gradient, float* momentum_buffer, int64_t n, const Step& step);

}  // namespace sgd_loop
