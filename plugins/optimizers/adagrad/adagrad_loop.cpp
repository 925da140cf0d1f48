// Adagrad's hot loop, compiled once per instruction set (AVX-512, AVX2, baseline x86-64) and
// picked at load time, so a portable build still runs it at the full vector width of the
// machine. No LibTorch here: this file compiles in a second.
#include "adagrad_loop.h"

#include <cmath>

#include "spotlight/sdk/vector_clones.h"

namespace adagrad_loop {

SPOTLIGHT_VECTOR_CLONES
void update(float* __restrict parameter, const float* __restrict gradient, float* __restrict sum, int64_t n,
            const Step& step) {
  const float rate = step.learning_rate, eps = step.eps, decay = step.weight_decay;
  for (int64_t i = 0; i < n; ++i) {
    const float g = gradient[i] + decay * parameter[i];
    const float s = sum[i] + g * g;
    sum[i] = s;
    parameter[i] -= rate * (g / (std::sqrt(s) + eps));
  }
}

}  // namespace adagrad_loop
