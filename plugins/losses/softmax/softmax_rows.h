#pragma once

#include <cstdint>

// The softmax loss's loops on raw float rows, compiled for AVX-512, AVX2 and baseline x86-64.
namespace softmax_rows {

// Each row of `logits` (rows x items) to e^(x - max) in `exps`, one over their sum in
// `inverse_sums` and its log sum exp in `log_normalisers`, in two passes over the row: its
// maximum, then the exponentials and their sum. A -infinity logit (an item that is no target)
// gets 0. The softmax is exps times inverse_sums; the gradient below applies that product.
void exponentials(const float* logits, int64_t rows, int64_t items, float* exps, float* inverse_sums,
                  float* log_normalisers);

// The cross-entropy's gradient over exponentials()'s rows, in place: rows[r, j] = g[r] *
// (rows[r, j] inverse_sums[r] - [j == positives[r]]), one pass over each row.
void cross_entropy_gradient(float* rows, const float* inverse_sums, const int64_t* positives, const float* g,
                            int64_t count, int64_t items);

}  // namespace softmax_rows
