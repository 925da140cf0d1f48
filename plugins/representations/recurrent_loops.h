#pragma once

#include <cstdint>

#include "spotlight/sdk/vector_math.h"

// The pieces the per-step loops of lstm and gru4rec share. Inline, so each instruction-set
// clone of a caller (SPOTLIGHT_VECTOR_CLONES) vectorises them at its own width; the
// activations are the SDK's (spotlight/sdk/vector_math.h), without calls into libm.
namespace recurrent_loops {

using spotlight::vector_math::sigmoid;
using spotlight::vector_math::tanh;

// out[0, width) += v[0, rows) M, where M is rows x width, row-major. Four rows at a time,
// their products summed as a tree before they reach `out`: for a narrow `out` (d_h_prev =
// d_gates W_hh is 4 * hidden rows into hidden columns) the additions into it are otherwise one
// dependent chain per vector register, waiting on each multiply-add in turn.
inline void add_vector_times_matrix(const float* __restrict v, const float* __restrict m, int64_t rows, int64_t width,
                                    float* __restrict out) {
  int64_t r = 0;
  for (; r + 4 <= rows; r += 4) {
    const float x0 = v[r], x1 = v[r + 1], x2 = v[r + 2], x3 = v[r + 3];
    const float* m0 = m + r * width;
    const float* m1 = m0 + width;
    const float* m2 = m1 + width;
    const float* m3 = m2 + width;
    for (int64_t j = 0; j < width; ++j) out[j] += (x0 * m0[j] + x1 * m1[j]) + (x2 * m2[j] + x3 * m3[j]);
  }
  for (; r < rows; ++r) {
    const float x = v[r];
    const float* row = m + r * width;
    for (int64_t j = 0; j < width; ++j) out[j] += x * row[j];
  }
}

}  // namespace recurrent_loops
