// The per-step loops of the LSTM, compiled for AVX-512, AVX2 and baseline x86-64. No
// LibTorch here.
#include "lstm_steps.h"

#include "spotlight/sdk/vector_clones.h"
#include "spotlight/sdk/vector_math.h"

namespace lstm_steps {

using spotlight::vector_math::sigmoid;
using spotlight::vector_math::tanh_activation;

SPOTLIGHT_VECTOR_CLONES
void forward(float* __restrict gates, const float* __restrict c_prev, int64_t hidden, float* __restrict cell,
             float* __restrict output, float* __restrict tanh_cell) {
  for (int64_t j = 0; j < hidden; ++j) {
    const float i = sigmoid(gates[j]);
    const float f = sigmoid(gates[hidden + j]);
    const float g = tanh_activation(gates[2 * hidden + j]);
    const float o = sigmoid(gates[3 * hidden + j]);
    const float c = f * c_prev[j] + i * g;
    const float t = tanh_activation(c);
    gates[j] = i;
    gates[hidden + j] = f;
    gates[2 * hidden + j] = g;
    gates[3 * hidden + j] = o;
    cell[j] = c;
    tanh_cell[j] = t;
    output[j] = o * t;
  }
}

SPOTLIGHT_VECTOR_CLONES
void backward(float* __restrict gates, const float* __restrict c_prev, const float* __restrict tanh_cell,
              int64_t hidden, const float* __restrict d_output, float* __restrict d_cell) {
  for (int64_t j = 0; j < hidden; ++j) {
    const float i = gates[j], f = gates[hidden + j], g = gates[2 * hidden + j], o = gates[3 * hidden + j];
    const float t = tanh_cell[j];
    const float dc = d_output[j] * o * (1.0f - t * t) + d_cell[j];
    gates[j] = dc * g * i * (1.0f - i);
    gates[hidden + j] = dc * c_prev[j] * f * (1.0f - f);
    gates[2 * hidden + j] = dc * i * (1.0f - g * g);
    gates[3 * hidden + j] = d_output[j] * t * o * (1.0f - o);
    d_cell[j] = dc * f;
  }
}

}  // namespace lstm_steps
