// The per-step loops of the GRU, compiled for AVX-512, AVX2 and baseline x86-64. No
// LibTorch here.
#include "gru_steps.h"


#include "../recurrent_loops.h"
#include "spotlight/sdk/vector_clones.h"

namespace gru_steps {

using recurrent_loops::add_vector_times_matrix;
using recurrent_loops::sigmoid;

SPOTLIGHT_VECTOR_CLONES
void forward(const float* __restrict input_gates, const float* __restrict h_prev, const float* __restrict w_hh_t,
             const float* __restrict b_hh, int64_t hidden, float* __restrict gates, float* __restrict output) {
  const int64_t width = 3 * hidden;
  // gates[0, 3 hidden) = h_prev W_hh^T + b_hh, the recurrent pre-activations.
  for (int64_t j = 0; j < width; ++j) gates[j] = b_hh[j];
  add_vector_times_matrix(h_prev, w_hh_t, hidden, width, gates);
  for (int64_t j = 0; j < hidden; ++j) {
    const float r = sigmoid(input_gates[j] + gates[j]);
    const float z = sigmoid(input_gates[hidden + j] + gates[hidden + j]);
    const float recurrent_new = gates[2 * hidden + j];
    const float n = recurrent_loops::tanh(input_gates[2 * hidden + j] + r * recurrent_new);
    gates[j] = r;
    gates[hidden + j] = z;
    gates[2 * hidden + j] = n;
    gates[3 * hidden + j] = recurrent_new;
    output[j] = (1.0f - z) * n + z * h_prev[j];
  }
}

SPOTLIGHT_VECTOR_CLONES
void backward(const float* __restrict gates, const float* __restrict h_prev, const float* __restrict w_hh,
              int64_t hidden, const float* __restrict d_output, float* __restrict d_input_gates,
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
  add_vector_times_matrix(d_recurrent_gates, w_hh, 3 * hidden, hidden, d_h_prev);
}

}  // namespace gru_steps
