// The hot loops of the fused optimizers. Compiled once per instruction set (AVX-512, AVX2,
// baseline x86-64) and picked at load time, so a portable build still runs them at the full
// vector width of the machine. No LibTorch here: this file compiles in a second.
#include "src/training/optimizers/update_loops.h"

#include <algorithm>
#include <cmath>

#include "spotlight/sdk/vector_clones.h"


namespace spotlight::update_loops {

SPOTLIGHT_VECTOR_CLONES
void adam(float* __restrict parameter, const float* __restrict gradient, float* __restrict first_moment,
          float* __restrict second_moment, float* __restrict max_second_moment, int64_t n, const AdamStep& step) {
  const float beta1 = step.beta1, beta2 = step.beta2, step_size = step.step_size;
  const float root = step.sqrt_bias_correction2, eps = step.eps, decay = step.weight_decay;
  if (max_second_moment) {
    for (int64_t i = 0; i < n; ++i) {
      const float g = gradient[i] + decay * parameter[i];
      const float m = first_moment[i] * beta1 + (1.0f - beta1) * g;
      const float v = second_moment[i] * beta2 + (1.0f - beta2) * g * g;
      const float top = std::max(max_second_moment[i], v);
      first_moment[i] = m;
      second_moment[i] = v;
      max_second_moment[i] = top;
      parameter[i] -= step_size * (m / (std::sqrt(top) / root + eps));
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    const float g = gradient[i] + decay * parameter[i];
    const float m = first_moment[i] * beta1 + (1.0f - beta1) * g;
    const float v = second_moment[i] * beta2 + (1.0f - beta2) * g * g;
    first_moment[i] = m;
    second_moment[i] = v;
    parameter[i] -= step_size * (m / (std::sqrt(v) / root + eps));
  }
}

SPOTLIGHT_VECTOR_CLONES
void adagrad(float* __restrict parameter, const float* __restrict gradient, float* __restrict sum, int64_t n,
             const AdagradStep& step) {
  const float rate = step.learning_rate, eps = step.eps, decay = step.weight_decay;
  for (int64_t i = 0; i < n; ++i) {
    const float g = gradient[i] + decay * parameter[i];
    const float s = sum[i] + g * g;
    sum[i] = s;
    parameter[i] -= rate * (g / (std::sqrt(s) + eps));
  }
}

SPOTLIGHT_VECTOR_CLONES
void sgd(float* __restrict parameter, const float* __restrict gradient, float* __restrict momentum_buffer, int64_t n,
         const SgdStep& step) {
  const float rate = step.learning_rate, decay = step.weight_decay;
  if (!momentum_buffer) {
    for (int64_t i = 0; i < n; ++i) parameter[i] -= rate * (gradient[i] + decay * parameter[i]);
    return;
  }
  const float momentum = step.momentum, keep = 1.0f - step.dampening;
  for (int64_t i = 0; i < n; ++i) {
    const float g = gradient[i] + decay * parameter[i];
    const float buffer = step.first ? g : momentum_buffer[i] * momentum + keep * g;
    momentum_buffer[i] = buffer;
    parameter[i] -= rate * (step.nesterov ? g + momentum * buffer : buffer);
  }
}

}  // namespace spotlight::update_loops
