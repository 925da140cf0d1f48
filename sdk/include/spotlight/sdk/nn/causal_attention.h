#pragma once

#include <torch/types.h>

#include "spotlight/sdk/export.h"
#include "spotlight/sdk/nn/tap_products.h"

namespace spotlight::nn {

// Multi-head causal self-attention over sequences packed one after another: queries, keys and
// values are (rows, dim) with sequence s holding the next lengths[s] rows (lengths: a CPU
// int64 tensor summing to rows), and `is_key` (rows; bool) says which rows may be attended
// to. Row i of a sequence attends, in each of the `heads` column blocks of width dim / heads,
// to the rows j <= i of its own sequence that are keys: softmax over <query_i, key_j>, then the
// weighted sum of the values. A row with no such key gets zeros. The queries are used as given
// (scale them by 1 / sqrt(dim / heads) first for the Transformer's attention).
//
// While `training`, each attention weight is dropped with probability `dropout` (and the kept
// ones scaled by 1 / (1 - dropout)), with masks seeded like nn::dropout's.
//
// On CPU float32 tensors one autograd node whose loops compute only the causal half of each
// sequence's scores and keep one row of them in cache at a time: no padding, no masked
// products, no (sequences, length, length) tensor beyond the weights kept for backward. They
// run at the CPU's widest vector width (AVX-512, AVX2 or baseline, as the tap products).
// Elsewhere, per-sequence LibTorch products.
SPOTLIGHT_SDK_API torch::Tensor causal_attention(const torch::Tensor& queries, const torch::Tensor& keys,
                                                 const torch::Tensor& values, const torch::Tensor& lengths,
                                                 const torch::Tensor& is_key, int64_t heads, double dropout,
                                                 bool training);

// The same with the queries, keys and values side by side in one (rows, 3 dim) tensor, as one
// product of the input with the three projections' weights stacked gives them; its gradient is
// one tensor too. Cheaper than three tensors: no copy in, and one gradient for the product.
SPOTLIGHT_SDK_API torch::Tensor causal_attention_packed(const torch::Tensor& qkv, const torch::Tensor& lengths,
                                                        const torch::Tensor& is_key, int64_t heads, double dropout,
                                                        bool training);

// causal_attention on a given kernel of nn/tap_products.h's list, which must be available (for
// tests).
SPOTLIGHT_SDK_API torch::Tensor causal_attention_with(tap_products::Kernel kernel, const torch::Tensor& queries,
                                                      const torch::Tensor& keys, const torch::Tensor& values,
                                                      const torch::Tensor& lengths, const torch::Tensor& is_key,
                                                      int64_t heads, double dropout, bool training);

}  // namespace spotlight::nn
