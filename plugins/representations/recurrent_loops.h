#pragma once

#include <cmath>
#include <cstdint>

// The pieces the per-step loops of lstm and gru4rec share. Inline, so each instruction-set
// clone of a caller (SPOTLIGHT_VECTOR_CLONES) vectorises them at its own width.
namespace recurrent_loops {

inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

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
