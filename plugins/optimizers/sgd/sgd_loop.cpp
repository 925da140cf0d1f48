// SGD's hot loop, compiled once per instruction set (AVX-512, AVX2, baseline x86-64) and
// picked at load time, so a portable build still runs it at the full vector width of the
// machine. No LibTorch here: this file compiles in a second.
#include "sgd_loop.h"

#include "spotlight/sdk/vector_clones.h"

namespace sgd_loop {

SPOTLIGHT_VECTOR_CLONES
void update(float* __restrict parameter, const float* __restrict gradient, float* __restrict momentum_buffer,
            int64_t n, const Step& step) {
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

}  // namespace sgd_loop
