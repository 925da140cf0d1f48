#pragma once

#include <cstdint>

// Spotlight's pooled state over one sequence of `steps` item vectors of width `dim`, on raw
// float rows: after step t, per dimension, the sum of the vectors 0..t divided by (the count
// of non-zero entries among them + 1). Sums accumulate in double, as LibTorch's cumsum does.
namespace running_mean_steps {

// Writes `before` (steps x dim): row 0 is zero, row t is the state after step t - 1; `last`
// (dim): the state after the final step; `divisors` (steps x dim): count + 1 after step t.
void forward(const float* vectors, int64_t steps, int64_t dim, float* before, float* last, float* divisors);

// d loss / d vectors (steps x dim, overwritten) from d loss / d before and d loss / d last.
void backward(const float* d_before, const float* d_last, const float* divisors, int64_t steps, int64_t dim,
              float* d_vectors);

}  // namespace running_mean_steps
