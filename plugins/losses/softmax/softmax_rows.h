#pragma once

#include <cstdint>

// The softmax loss's loops on raw float rows, compiled for AVX-512, AVX2 and baseline x86-64.
namespace softmax_rows {

// Each row of `logits` (rows x items) to its softmax in `probabilities` and log sum exp in
// `log_normalisers`, in three passes over the row: its maximum, e^(x - max) and their sum,
// the division. A -infinity logit (an item that is no target) gets probability 0.
void softmax(const float* logits, int64_t rows, int64_t items, float* probabilities, float* log_normalisers);

// The cross-entropy's gradient over the probabilities, in place: rows[r, j] = g[r] *
// (rows[r, j] - [j == positives[r]]), one pass over each row.
void cross_entropy_gradient(float* rows, const int64_t* positives, const float* g, int64_t count, int64_t items);

}  // namespace softmax_rows
