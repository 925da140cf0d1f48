#pragma once

#include <cstdint>

// One time step of a GRU layer for one sequence, in LibTorch's gate order (reset, update,
// new) and formulas, on raw float rows of width `hidden`:
//   r = sigmoid(x W_ir + b_ir + h W_hr + b_hr)    z = sigmoid(x W_iz + b_iz + h W_hz + b_hz)
//   n = tanh(x W_in + b_in + r * (h W_hn + b_hn))  h' = (1 - z) * n + z * h
namespace gru_steps {

// `input_gates` holds x W_ih^T + b_ih (3 hidden), `gates` the recurrent pre-activations
// h_prev W_hh^T + b_hh on entry. Writes the activations r, z, n and the recurrent new-gate term
// h W_hn^T + b_hn into `gates` (4 hidden), and the new state into `output`. h_prev points at
// zeros at the first step (a null there would put a branch in the loop, which then does not
// vectorise).
void forward(const float* input_gates, const float* h_prev, int64_t hidden, float* gates, float* output);

// The matching backward step. `d_output` is d loss / d output of this step (from above and from
// the next step). Writes d loss / d (x W_ih^T + b_ih) to d_input_gates, d loss / d
// (h W_hh^T + b_hh) to d_recurrent_gates (3 hidden each) and the update gate's part of
// d loss / d h_prev to d_h_prev; the caller adds d_recurrent_gates W_hh to it. h_prev points at
// zeros at the first step.
void backward(const float* gates, const float* h_prev, int64_t hidden, const float* d_output, float* d_input_gates,
              float* d_recurrent_gates, float* d_h_prev);

}  // namespace gru_steps
