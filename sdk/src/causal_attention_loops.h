#pragma once

#include <cstdint>

#include "spotlight/sdk/nn/tap_products.h"

// The loops of nn::causal_attention's autograd node (causal_attention.cpp) on raw float rows,
// compiled for AVX-512, AVX2 and baseline x86-64. No LibTorch here.
//
// Queries, keys and values are `rows` rows of `dim` floats, in_stride floats apart (outputs dim
// apart): `count` sequences one after another, sequence s holding lengths[s] rows. Head h reads
// columns [h hd, (h + 1) hd), hd = dim / heads.
// Row i of a sequence attends to its rows j <= i with is_key[j] != 0; a row with no such key
// gets zeros. `probs` holds every (sequence, head, row)'s softmax weights before dropout, row i
// of a sequence holding i + 1 floats: prob_count() floats in all.
//
// Dropout (p > 0) drops weight j of a row when the top 24 bits of a hash of (seed, the row's
// place in the call, j) fall below p 2^24, and scales the kept ones by 1 / (1 - p): backward()
// recomputes the same mask from the same seed.
namespace spotlight::nn::causal_attention_loops {

struct Layout {
  int64_t dim;
  int64_t heads;
  const int64_t* lengths;
  int64_t count;
  const uint8_t* is_key;
  // Floats from one row of the queries, keys and values (and of their gradients) to the next:
  // dim for separate tensors, 3 dim for the three side by side in one.
  int64_t in_stride;
};

// Floats `probs` needs for this layout.
int64_t prob_count(const Layout& layout);

// out (rows x dim) = the attention of every row; probs as above. Both functions run `kernel`'s
// loops (tap_products::Kernel: AVX-512, AVX2 or plain), which must be available.
void forward(tap_products::Kernel kernel, const Layout& layout, const float* queries, const float* keys,
             const float* values, uint64_t seed, double p, float* probs, float* out);

// With grad_out (rows x dim), sets grad_queries, grad_keys and grad_values (rows of dim floats,
// in_stride apart, zeroed by the caller) to the gradients of the forward pass that wrote `probs`.
void backward(tap_products::Kernel kernel, const Layout& layout, const float* queries, const float* keys,
              const float* values, const float* probs, const float* grad_out, uint64_t seed, double p,
              float* grad_queries, float* grad_keys, float* grad_values);

}  // namespace spotlight::nn::causal_attention_loops
