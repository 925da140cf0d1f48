#pragma once

#include <cstdint>

namespace spotlight::update_loops {

// One optimizer step over n contiguous float parameters, in a single pass over memory. The
// arithmetic is LibTorch 1.13's (torch/csrc/api/src/optim), element by element, so the fused
// optimizers and LibTorch's own produce the same values up to float rounding. Each loop
// reads gradient[i] once; weight decay is applied on the fly (gradient + decay * parameter).

struct AdamStep {
  float beta1, beta2;
  float step_size;              // learning rate / (1 - beta1^step)
  float sqrt_bias_correction2;  // sqrt(1 - beta2^step)
  float eps;
  float weight_decay;
};
// `max_second_moment` is null unless AMSGrad is on.
void adam(float* parameter, const float* gradient, float* first_moment, float* second_moment,
          float* max_second_moment, int64_t n, const AdamStep& step);

struct AdagradStep {
  float learning_rate;  // already decayed: lr / (1 + (step - 1) * lr_decay)
  float eps;
  float weight_decay;
};
void adagrad(float* parameter, const float* gradient, float* sum, int64_t n, const AdagradStep& step);

struct SgdStep {
  float learning_rate;
  float weight_decay;
  float momentum;
  float dampening;
  bool nesterov;
  bool first;  // the momentum buffer starts as a copy of the first (decayed) gradient
};
// `momentum_buffer` is null when momentum is 0.
void sgd(float* parameter, const float* gradient, float* momentum_buffer, int64_t n, const SgdStep& step);

}  // namespace spotlight::update_loops
