#pragma once

#include <cstdint>

#include "spotlight/sdk/vector_math.h"

// The pieces the per-step loops of lstm and gru4rec share. Inline, so each instruction-set
// clone of a caller (SPOTLIGHT_VECTOR_CLONES) vectorises them at its own width; the
// activations are the SDK's (spotlight/sdk/vector_math.h), without calls into libm.
namespace recurrent_loops {

using spotlight::vector_math::sigmoid;
using spotlight::vector_math::tanh;

// out[0, width) += v[0, rows) M, where M is rows x width, row-major.
inline void add_vector_times_matrix(const float* __restrict v, const float* __restrict m, int64_t rows, int64_t width,
                                    float* __restrict out) {
  for (int64_t r = 0; r < rows; ++r) {
    const float x = v[r];
    const float* row = m + r * width;
    for (int64_t j = 0; j < width; ++j) out[j] += x * row[j];
  }
}

}  // namespace recurrent_loops
