// Adam's hot loop, compiled once per instruction set (AVX-512, AVX2, baseline x86-64) and
// picked at load time, so a portable build still runs it at the full vector width of the
// machine. No LibTorch here: this file compiles in a second.
#include "adam_loop.h"

#include <algorithm>
#include <cmath>

#include "spotlight/sdk/vector_clones.h"

namespace adam_loop {

SPOTLIGHT_VECTOR_CLONES
void update(float* __restrict parameter, const float* __restrict gradient, float* __restrict first_moment,
            float* __restrict second_moment, float* __restrict max_second_moment, int64_t n, const Step& step) {
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

}  // namespace adam_loop
