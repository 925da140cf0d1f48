#pragma once

#include <cstdint>

// One Adam step over n contiguous floats in a single pass over memory. The arithmetic is
// LibTorch 1.13's (torch/csrc/api/src/optim/adam.cpp), element by element, so the fused
// optimizer and LibTorch's own produce the same values up to float rounding (on AVX-512 and
// AVX2 the division is a refined reciprocal, within 2 ulp of it). The gradient is read once;
// weight decay is applied on the fly (gradient + decay * parameter).
namespace adam_loop {

struct Step {
  float beta1, beta2;
  float step_size;              // learning rate / (1 - beta1^step)
  float sqrt_bias_correction2;  // sqrt(1 - beta2^step)
  float eps;
  float weight_decay;
};

// `max_second_moment` is null unless AMSGrad is on. Runs the widest loop this CPU has.
void update(float* parameter, const float* gradient, float* first_moment, float* second_moment,
            float* max_second_moment, int64_t n, const Step& step);

// The loops update() chooses from (AMSGrad always takes the plain one), so that a test can
// run each on a CPU that has them.
enum class Loop { plain, avx2, avx512 };
bool available(Loop loop);
void update_with(Loop loop, float* parameter, const float* gradient, float* first_moment, float* second_moment,
                 float* max_second_moment, int64_t n, const Step& step);

}  // namespace adam_loop
