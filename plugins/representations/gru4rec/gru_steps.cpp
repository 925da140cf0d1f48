// The per-step loops of the GRU, compiled for AVX-512, AVX2 and baseline x86-64. No
// LibTorch here.
#include "gru_steps.h"

#include "spotlight/sdk/vector_clones.h"
#include "spotlight/sdk/vector_math.h"

namespace gru_steps {

using spotlight::vector_math::sigmoid;
using spotlight::vector_math::tanh_activation;

SPOTLIGHT_VECTOR_CLONES
void forward(const float* __restrict input_gates, const float* __restrict h_prev, int64_t hidden,
             float* __restrict gates, float* __restrict output) {
  for (int64_t j = 0; j < hidden; ++j) {
    const float r = sigmoid(input_gates[j] + gates[j]);
    const float z = sigmoid(input_gates[hidden + j] + gates[hidden + j]);
    const float recurrent_new = gates[2 * hidden + j];
    const float n = tanh_activation(input_gates[2 * hidden + j] + r * recurrent_new);
    gates[j] = r;
    gates[hidden + j] = z;
    gates[2 * hidden + j] = n;
    gates[3 * hidden + j] = recurrent_new;
    output[j] = (1.0f - z) * n + z * h_prev[j];
  }
}

SPOTLIGHT_VECTOR_CLONES
void backward(const float* __restrict gates, const float* __restrict h_prev, int64_t hidden,
              const float* __restrict d_output, float* __restrict d_input_gates,
              float* __restrict d_recurrent_gates, float* __restrict d_h_prev) {
  for (int64_t j = 0; j < hidden; ++j) {
    const float r = gates[j], z = gates[hidden + j], n = gates[2 * hidden + j], recurrent_new = gates[3 * hidden + j];
    const float dh = d_output[j];
    const float previous = h_prev[j];
    const float d_new = dh * (1.0f - z) * (1.0f - n * n);
    const float d_reset = d_new * recurrent_new * r * (1.0f - r);
    const float d_update = dh * (previous - n) * z * (1.0f - z);
    d_input_gates[j] = d_reset;
    d_input_gates[hidden + j] = d_update;
    d_input_gates[2 * hidden + j] = d_new;
    d_recurrent_gates[j] = d_reset;
    d_recurrent_gates[hidden + j] = d_update;
    d_recurrent_gates[2 * hidden + j] = d_new * r;
    d_h_prev[j] = dh * z;
  }
}

}  // namespace gru_steps
