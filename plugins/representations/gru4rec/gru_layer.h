#pragma once

#include <cstdint>
#include <vector>

#include <torch/torch.h>

// One batch-first GRU layer with a zero initial state as one autograd node, with
// torch::nn::GRU's parameters, gate order and formulas. The input projection of every step is
// one matrix product; the recurrence runs as plain loops over each sequence (gru_steps),
// sequences split across LibTorch's threads, where LibTorch's GRU dispatches a dozen tensor
// operations per time step forward and as many backward.
// inputs (batch, steps, in) -> outputs (batch, steps, hidden). CPU float32 tensors only.
// `skip`, if given, holds for each sequence the number of leading input rows that are zero and
// whose gradient is not read (see recurrent_layer.h): those steps run once for the batch.
torch::Tensor gru_layer(const torch::Tensor& inputs, const torch::Tensor& w_ih, const torch::Tensor& w_hh,
                        const torch::Tensor& b_ih, const torch::Tensor& b_hh, std::vector<int64_t> skip = {});
