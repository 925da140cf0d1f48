// The per-step loops of the LSTM, compiled for AVX-512, AVX2 and baseline x86-64. No
// LibTorch here.
#include "lstm_steps.h"

#include "../recurrent_loops.h"
#include "spotlight/sdk/vector_clones.h"

namespace lstm_steps {

using recurrent_loops::add_vector_times_matrix;
using recurrent_loops::sigmoid;

SPOTLIGHT_VECTOR_CLONES
void forward(float* __restrict gates, const float* __restrict h_prev, const float* __restrict c_prev,
             const float* __restrict w_hh_t, int64_t hidden, float* __restrict cell, float* __restrict output,
             float* __restrict tanh_cell) {
  const int64_t width = 4 * hidden;
  add_vector_times_matrix(h_prev, w_hh_t, hidden, width, gates);
  for (int64_t j = 0; j < hidden; ++j) {
    const float i = sigmoid(gates[j]);
    const float f = sigmoid(gates[hidden + j]);
    const float g = recurrent_loops::tanh(gates[2 * hidden + j]);
    const float o = sigmoid(gates[3 * hidden + j]);
    const float c = f * c_prev[j] + i * g;
    const float t = recurrent_loops::tanh(c);
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
void backward(const float* __restrict gates, const float* __restrict c_prev, const float* __restrict tanh_cell,
              const float* __restrict w_hh, int64_t hidden, const float* __restrict d_output,
              float* __restrict d_cell, float* __restrict d_gates, float* __restrict d_h_prev) {
  for (int64_t j = 0; j < hidden; ++j) {
    const float i = gates[j], f = gates[hidden + j], g = gates[2 * hidden + j], o = gates[3 * hidden + j];
    const float t = tanh_cell[j];
    const float dc = d_output[j] * o * (1.0f - t * t) + d_cell[j];
    d_gates[j] = dc * g * i * (1.0f - i);
    d_gates[hidden + j] = dc * c_prev[j] * f * (1.0f - f);
    d_gates[2 * hidden + j] = dc * i * (1.0f - g * g);
    d_gates[3 * hidden + j] = d_output[j] * t * o * (1.0f - o);
    d_cell[j] = dc * f;
  }
  for (int64_t k = 0; k < hidden; ++k) d_h_prev[k] = 0.0f;
  add_vector_times_matrix(d_gates, w_hh, 4 * hidden, hidden, d_h_prev);
}

}  // namespace lstm_steps
