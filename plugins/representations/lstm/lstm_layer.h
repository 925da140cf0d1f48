#pragma once

#include <cstdint>
#include <vector>

#include <torch/torch.h>

// The outputs of `lstm` (one layer, batch-first, with biases, as lstm and mixture make it)
// over `inputs` (batch, steps, in), zero initial state: (batch, steps, hidden). On CPU float32
// tensors it runs as one autograd node with torch::nn::LSTM's parameters, gate order and
// formulas: the input projection of every step is one matrix product and the recurrence runs
// as plain vectorised loops over each sequence (lstm_steps), sequences split over LibTorch's
// threads, where LibTorch's LSTM dispatches a dozen tensor operations per time step forward
// and as many backward. `skip`, if given, holds for each sequence the number of leading input
// rows that are zero and whose gradient is not read (see recurrent_layer.h): those steps run
// once for the whole batch. Anything else takes the module's own forward.
torch::Tensor lstm_layer(torch::nn::LSTM& lstm, const torch::Tensor& inputs, std::vector<int64_t> skip = {});
