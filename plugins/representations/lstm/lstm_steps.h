#pragma once

#include <cstdint>

// One time step of a one-layer LSTM for one sequence, in LibTorch's gate order (input,
// forget, cell, output) and formulas, on raw float rows of width `hidden` (gates: 4 * hidden).
namespace lstm_steps {

// `gates` holds the pre-activations x W_ih^T + b_ih + b_hh + h_prev W_hh^T on entry and the
// activations (i, f, g, o) on return. Writes the cell, the output and tanh(cell). c_prev
// points at zeros at the first step (a null there would put a branch in the loop, which then
// does not vectorise).
void forward(float* gates, const float* c_prev, int64_t hidden, float* cell, float* output, float* tanh_cell);

// The matching backward step, in place: `gates` holds the activations forward() left on entry
// and d loss / d gate pre-activations on return. `d_output` is d loss / d output of this step
// (from above and from the next step); `d_cell` holds d loss / d cell from the next step on
// entry and the derivative for the previous cell on return. The products are left to the
// caller: d_gates W_hh for the previous output, and d W_hh, one product of every step's
// d_gates with the previous outputs.
void backward(float* gates, const float* c_prev, const float* tanh_cell, int64_t hidden, const float* d_output,
              float* d_cell);

}  // namespace lstm_steps
