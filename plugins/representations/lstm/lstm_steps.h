#pragma once

#include <cstdint>

// One time step of a one-layer LSTM for one sequence, in LibTorch's gate order (input,
// forget, cell, output) and formulas, on raw float rows of width `hidden` (gates: 4 * hidden).
namespace lstm_steps {

// `gates` holds x W_ih^T + b_ih + b_hh on entry; adds h_prev W_hh^T (w_hh_t is W_hh
// transposed, hidden x 4 hidden) and leaves the activations (i, f, g, o) in place. Writes
// the cell, the output and tanh(cell). h_prev and c_prev point at zeros at the first step (a
// null there would put a branch in the loop, which then does not vectorise).
void forward(float* gates, const float* h_prev, const float* c_prev, const float* w_hh_t, int64_t hidden,
             float* cell, float* output, float* tanh_cell);

// The matching backward step. `d_output` is d loss / d output of this step (from above and
// from the next step); `d_cell` holds d loss / d cell from the next step on entry and the
// derivative for the previous cell on return. Writes d loss / d gate pre-activations, the
// derivative for the previous output (d_h_prev, overwritten). d W_hh is left to the caller:
// one product of every step's d_gates with the previous outputs.
void backward(const float* gates, const float* c_prev, const float* tanh_cell, const float* w_hh, int64_t hidden,
              const float* d_output, float* d_cell, float* d_gates, float* d_h_prev);

}  // namespace lstm_steps
