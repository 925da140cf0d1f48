#pragma once

#include <cstdint>

#include "spotlight/sdk/export.h"

// Products of many rows with small matrices, over delayed taps, as the causal convolution,
// the recurrences and the scores of a whole catalogue need them. These matrices are narrow
// (the embedding width), where a BLAS call spends more time packing its operands than
// multiplying them (OpenBLAS's SkylakeX kernels: 8 to 13 billion multiply-adds a second on
// 13,000 x 32 by 32 x 32; these loops: 70 to 78, AVX2 38). Register tiles of 8 rows (AVX-512)
// or 6 rows (AVX2) by two vectors; the plain loops elsewhere and for the columns left over.
// Every row's sums run in the same order, whatever rows are computed beside it. No LibTorch.
namespace spotlight::nn::tap_products {

enum class Kernel { avx512, avx2, plain };

// Whether this CPU (and this build, under SPOTLIGHT_FIXED_ISA) runs `kernel`.
SPOTLIGHT_SDK_API bool available(Kernel kernel);
// The widest available kernel, which multiply() and accumulate_outer() run.
SPOTLIGHT_SDK_API Kernel widest();
SPOTLIGHT_SDK_API const char* name(Kernel kernel);

// out[r][0, n) = init[r] + bias + sum over taps m of src[r + offset[m]][0, k) B_m, for r in
// [0, rows): src has rows of k floats; B_m is k x n, row-major with row stride ldb, starting
// at b[m]; init (rows x n, may be out itself) and bias (n) may be null.
SPOTLIGHT_SDK_API void multiply(const float* src, int64_t k, int64_t rows, int64_t taps, const int64_t* offset,
                                const float* const* b, int64_t ldb, int64_t n, const float* init, const float* bias,
                                float* out);

// One tap without delay: out[r] = init[r] + bias + src[r] B, B k x n with row stride ldb.
inline void multiply_rows(const float* src, int64_t k, int64_t rows, const float* b, int64_t ldb, int64_t n,
                          const float* init, const float* bias, float* out) {
  const int64_t no_delay = 0;
  multiply(src, k, rows, 1, &no_delay, &b, ldb, n, init, bias, out);
}

// out[o][i] += sum over r in [0, rows) of a[r][o] x[r + offset][i]: a has rows of n floats,
// x rows of k floats; out is n x k, row-major with row stride ldo (d W of one tap).
SPOTLIGHT_SDK_API void accumulate_outer(const float* a, int64_t n, const float* x, int64_t k, int64_t rows,
                                        int64_t offset, float* out, int64_t ldo);

// out[0, width) += v[0, rows) M, M rows x width row-major: one recurrent step's product. The
// accumulators stay in registers over all rows; narrow outputs split the rows over several
// partial sums, so that the multiply-adds into one register do not wait on each other.
SPOTLIGHT_SDK_API void add_vector_times_matrix(const float* v, const float* m, int64_t rows, int64_t width, float* out);

// out[0, width) += the column sums of M, rows x width row-major: the gradient of a bias added
// to every row. add_vector_times_matrix() with a vector of ones, so the same kernels.
SPOTLIGHT_SDK_API void add_column_sums(const float* m, int64_t rows, int64_t width, float* out);

// The same with a given kernel, which must be available (for tests).
SPOTLIGHT_SDK_API void multiply_with(Kernel kernel, const float* src, int64_t k, int64_t rows, int64_t taps,
                                     const int64_t* offset, const float* const* b, int64_t ldb, int64_t n,
                                     const float* init, const float* bias, float* out);
SPOTLIGHT_SDK_API void accumulate_outer_with(Kernel kernel, const float* a, int64_t n, const float* x, int64_t k,
                                             int64_t rows, int64_t offset, float* out, int64_t ldo);
SPOTLIGHT_SDK_API void add_vector_times_matrix_with(Kernel kernel, const float* v, const float* m, int64_t rows,
                                                    int64_t width, float* out);

}  // namespace spotlight::nn::tap_products
