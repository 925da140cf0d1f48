#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include <ATen/Parallel.h>
#include <torch/torch.h>

// The per-sequence loops around the step functions that the LSTM and GRU layers
// (lstm/lstm_layer.cpp, gru4rec/gru_layer.cpp) share. Rows are laid out (batch, steps): the
// row of step t of sequence b is b * steps + t. Sequences are split over LibTorch's threads.
namespace recurrent_layer {

// Calls step(row, t) for every step of every sequence, in time order within a sequence.
template <class Step>
void forward_steps(int64_t batch, int64_t steps, const Step& step) {
  at::parallel_for(0, batch, 1, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      for (int64_t t = 0; t < steps; ++t) step(b * steps + t, t);
    }
  });
}

// For every sequence from its last step to its first: d_output = d_outputs[row] + d_h_prev
// (what the following step passed back), then step(row, t, d_output, d_h_prev, carry), which
// overwrites d_h_prev with the derivative for the previous step's output. `carry` holds
// `hidden` floats a step passes to the one before it (the LSTM's cell derivative); both start
// at zero at each sequence's last step.
template <class Step>
void backward_steps(int64_t batch, int64_t steps, int64_t hidden, const float* d_outputs, const Step& step) {
  at::parallel_for(0, batch, 1, [&](int64_t begin, int64_t end) {
    const auto width = static_cast<size_t>(hidden);
    std::vector<float> d_output(width), d_h_prev(width), carry(width);
    for (int64_t b = begin; b < end; ++b) {
      std::fill(d_h_prev.begin(), d_h_prev.end(), 0.0f);
      std::fill(carry.begin(), carry.end(), 0.0f);
      for (int64_t t = steps - 1; t >= 0; --t) {
        const int64_t row = b * steps + t;
        for (size_t k = 0; k < width; ++k) d_output[k] = d_outputs[row * hidden + static_cast<int64_t>(k)] + d_h_prev[k];
        step(row, t, d_output.data(), d_h_prev.data(), carry.data());
      }
    }
  });
}

// Each step's previous output as the rows of a (batch * steps, hidden) matrix: zero at a
// sequence's first step, then its outputs of steps 0 .. steps - 2. d W_hh is the step
// derivatives' product with it.
inline torch::Tensor previous_outputs(const torch::Tensor& outputs) {
  const int64_t steps = outputs.size(1);
  return torch::constant_pad_nd(outputs.narrow(1, 0, steps - 1), {0, 0, 1, 0}).reshape({-1, outputs.size(2)});
}

}  // namespace recurrent_layer
