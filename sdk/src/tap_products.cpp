// The tap products' kernels: each tile loop is written once with GCC vector types and inlined
// into an AVX-512 and an AVX2 entry point; the widest the CPU has is picked once. No LibTorch.
#include "spotlight/sdk/nn/tap_products.h"

#include <algorithm>
#include <vector>

#include "vector_memory.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define TAP_PRODUCTS_X86 1
#endif

namespace spotlight::nn::tap_products {

namespace {

// Columns [c0, n) of multiply(), plain loops.
void plain_multiply(const float* src, int64_t k, int64_t rows, int64_t taps, const int64_t* offset,
                    const float* const* b, int64_t ldb, int64_t n, const float* init, const float* bias, float* out,
                    int64_t c0) {
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = c0; c < n; ++c) {
      float sum = (init ? init[r * n + c] : 0.0f) + (bias ? bias[c] : 0.0f);
      for (int64_t m = 0; m < taps; ++m) {
        const float* x = src + (r + offset[m]) * k;
        const float* column = b[m] + c;
        for (int64_t i = 0; i < k; ++i) sum += x[i] * column[i * ldb];
      }
      out[r * n + c] = sum;
    }
  }
}

// Columns [i0, k) of accumulate_outer(), plain loops.
void plain_outer(const float* a, int64_t n, const float* x, int64_t k, int64_t rows, int64_t offset, float* out,
                 int64_t ldo, int64_t i0) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* x_row = x + (r + offset) * k;
    for (int64_t o = 0; o < n; ++o) {
      const float s = a[r * n + o];
      for (int64_t i = i0; i < k; ++i) out[o * ldo + i] += s * x_row[i];
    }
  }
}

// Columns [c0, width) of add_vector_times_matrix(), plain loops.
void plain_vector_matrix(const float* v, const float* m, int64_t rows, int64_t width, float* out, int64_t c0) {
  for (int64_t r = 0; r < rows; ++r) {
    const float s = v[r];
    const float* row = m + r * width;
    for (int64_t c = c0; c < width; ++c) out[c] += s * row[c];
  }
}

#ifdef TAP_PRODUCTS_X86

// GCC notes that the vector types below would be passed differently without AVX; they never
// cross a call (every function taking one is inlined into the entry points).
#pragma GCC diagnostic ignored "-Wpsabi"

using vector_memory::load;
using vector_memory::store;

// multiply()'s columns [c0, c0 + 2 L) of rows [r0, r0 + R), L the lanes of V.
template <class V, int R>
SPOTLIGHT_VECTOR_INLINE void multiply_tile(const float* src, int64_t k, int64_t r0, int64_t taps, const int64_t* offset,
                                           const float* const* b, int64_t ldb, int64_t n, const float* init,
                                           const float* bias, float* out, int64_t c0) {
  constexpr int64_t L = sizeof(V) / sizeof(float);
  V acc[R][2];
#pragma GCC unroll 8
  for (int q = 0; q < R; ++q) {
#pragma GCC unroll 2
    for (int h = 0; h < 2; ++h) {
      V start = bias ? load<V>(bias + c0 + h * L) : V{};
      if (init) start += load<V>(init + (r0 + q) * n + c0 + h * L);
      acc[q][h] = start;
    }
  }
  for (int64_t m = 0; m < taps; ++m) {
    const float* x = src + (r0 + offset[m]) * k;
    const float* column = b[m] + c0;
    for (int64_t i = 0; i < k; ++i) {
      const V w0 = load<V>(column + i * ldb), w1 = load<V>(column + i * ldb + L);
#pragma GCC unroll 8
      for (int q = 0; q < R; ++q) {
        const float s = x[q * k + i];
        acc[q][0] += s * w0;
        acc[q][1] += s * w1;
      }
    }
  }
#pragma GCC unroll 8
  for (int q = 0; q < R; ++q) {
    store(out + (r0 + q) * n + c0, acc[q][0]);
    store(out + (r0 + q) * n + c0 + L, acc[q][1]);
  }
}

// multiply()'s columns [c0, n), fewer than 2 L: each tap's leftover columns are copied into a
// zero-padded block of 2 L columns, so that they run in vector registers too (as plain loops
// they cost more than half of all the others for a catalogue of 1,683 items). Each row's sums
// run in the order of multiply_tile's.
template <class V>
SPOTLIGHT_VECTOR_INLINE void multiply_tail(const float* src, int64_t k, int64_t rows, int64_t taps,
                                           const int64_t* offset, const float* const* b, int64_t ldb, int64_t n,
                                           const float* init, const float* bias, float* out, int64_t c0) {
  constexpr int64_t L = sizeof(V) / sizeof(float);
  const int64_t width = n - c0;
  std::vector<float> padded(static_cast<size_t>(taps * k * 2 * L), 0.0f);
  for (int64_t m = 0; m < taps; ++m) {
    for (int64_t i = 0; i < k; ++i) {
      std::copy(b[m] + i * ldb + c0, b[m] + i * ldb + n, padded.begin() + (m * k + i) * 2 * L);
    }
  }
  float start[2 * L] = {}, row_out[2 * L];
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < width; ++j) {
      start[j] = bias ? bias[c0 + j] : 0.0f;
      if (init) start[j] += init[r * n + c0 + j];
    }
    V acc0 = load<V>(start), acc1 = load<V>(start + L);
    for (int64_t m = 0; m < taps; ++m) {
      const float* x = src + (r + offset[m]) * k;
      const float* column = padded.data() + m * k * 2 * L;
      for (int64_t i = 0; i < k; ++i) {
        const float s = x[i];
        acc0 += s * load<V>(column + i * 2 * L);
        acc1 += s * load<V>(column + i * 2 * L + L);
      }
    }
    store(row_out, acc0);
    store(row_out + L, acc1);
    std::copy(row_out, row_out + width, out + r * n + c0);
  }
}

template <class V, int R>
SPOTLIGHT_VECTOR_INLINE void vector_multiply(const float* src, int64_t k, int64_t rows, int64_t taps,
                                             const int64_t* offset, const float* const* b, int64_t ldb, int64_t n,
                                             const float* init, const float* bias, float* out) {
  constexpr int64_t L = sizeof(V) / sizeof(float);
  // Row blocks outside, so that a block's source rows stay in the first-level cache across
  // the column tiles.
  const int64_t tiled = n / (2 * L) * (2 * L);
  int64_t r = 0;
  for (; r + R <= rows; r += R) {
    for (int64_t c0 = 0; c0 < tiled; c0 += 2 * L) {
      multiply_tile<V, R>(src, k, r, taps, offset, b, ldb, n, init, bias, out, c0);
    }
  }
  for (; r < rows; ++r) {
    for (int64_t c0 = 0; c0 < tiled; c0 += 2 * L) {
      multiply_tile<V, 1>(src, k, r, taps, offset, b, ldb, n, init, bias, out, c0);
    }
  }
  if (tiled < n) multiply_tail<V>(src, k, rows, taps, offset, b, ldb, n, init, bias, out, tiled);
}

// accumulate_outer()'s output rows [o0, o0 + R) and columns [i0, i0 + 2 L) over rows [r0, r1).
template <class V, int R>
SPOTLIGHT_VECTOR_INLINE void outer_tile(const float* a, int64_t n, const float* x, int64_t k, int64_t r0, int64_t r1,
                                        int64_t offset, float* out, int64_t ldo, int64_t o0, int64_t i0) {
  constexpr int64_t L = sizeof(V) / sizeof(float);
  V acc[R][2];
#pragma GCC unroll 8
  for (int q = 0; q < R; ++q) {
    acc[q][0] = load<V>(out + (o0 + q) * ldo + i0);
    acc[q][1] = load<V>(out + (o0 + q) * ldo + i0 + L);
  }
  for (int64_t r = r0; r < r1; ++r) {
    const float* x_row = x + (r + offset) * k + i0;
    const V x0 = load<V>(x_row), x1 = load<V>(x_row + L);
#pragma GCC unroll 8
    for (int q = 0; q < R; ++q) {
      const float s = a[r * n + o0 + q];
      acc[q][0] += s * x0;
      acc[q][1] += s * x1;
    }
  }
#pragma GCC unroll 8
  for (int q = 0; q < R; ++q) {
    store(out + (o0 + q) * ldo + i0, acc[q][0]);
    store(out + (o0 + q) * ldo + i0 + L, acc[q][1]);
  }
}

template <class V, int R>
SPOTLIGHT_VECTOR_INLINE void vector_outer(const float* a, int64_t n, const float* x, int64_t k, int64_t rows,
                                          int64_t offset, float* out, int64_t ldo) {
  constexpr int64_t L = sizeof(V) / sizeof(float);
  constexpr int64_t kChunk = 64;  // rows of a and x kept in the first-level cache across tiles
  const int64_t tiled_rows = n / R * R, tiled_columns = k / (2 * L) * (2 * L);
  for (int64_t r0 = 0; r0 < rows; r0 += kChunk) {
    const int64_t r1 = std::min(rows, r0 + kChunk);
    for (int64_t i0 = 0; i0 < tiled_columns; i0 += 2 * L) {
      int64_t o0 = 0;
      for (; o0 < tiled_rows; o0 += R) outer_tile<V, R>(a, n, x, k, r0, r1, offset, out, ldo, o0, i0);
      for (; o0 < n; ++o0) outer_tile<V, 1>(a, n, x, k, r0, r1, offset, out, ldo, o0, i0);
    }
  }
  if (tiled_columns < k) plain_outer(a, n, x, k, rows, offset, out, ldo, tiled_columns);
}

// add_vector_times_matrix()'s columns [c0, c0 + T L): T accumulators for each of P partial sums,
// over rows r with r % P = p.
template <class V, int T, int P>
SPOTLIGHT_VECTOR_INLINE void vector_matrix_tile(const float* v, const float* m, int64_t rows, int64_t width, float* out,
                                                int64_t c0) {
  constexpr int64_t L = sizeof(V) / sizeof(float);
  V acc[P][T];
#pragma GCC unroll 8
  for (int p = 0; p < P; ++p) {
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) acc[p][t] = p == 0 ? load<V>(out + c0 + t * L) : V{};
  }
  int64_t r = 0;
  for (; r + P <= rows; r += P) {
#pragma GCC unroll 8
    for (int p = 0; p < P; ++p) {
      const float s = v[r + p];
      const float* row = m + (r + p) * width + c0;
#pragma GCC unroll 8
      for (int t = 0; t < T; ++t) acc[p][t] += s * load<V>(row + t * L);
    }
  }
  for (; r < rows; ++r) {
    const float s = v[r];
    const float* row = m + r * width + c0;
#pragma GCC unroll 8
    for (int t = 0; t < T; ++t) acc[0][t] += s * load<V>(row + t * L);
  }
#pragma GCC unroll 8
  for (int t = 0; t < T; ++t) {
    V sum = acc[0][t];
#pragma GCC unroll 8
    for (int p = 1; p < P; ++p) sum += acc[p][t];
    store(out + c0 + t * L, sum);
  }
}

// Eight accumulators in flight whatever the width: 8 vectors of one sum, 4 of two, 2 of four,
// 1 of eight.
template <class V>
SPOTLIGHT_VECTOR_INLINE void vector_matrix(const float* v, const float* m, int64_t rows, int64_t width, float* out) {
  constexpr int64_t L = sizeof(V) / sizeof(float);
  int64_t c0 = 0;
  for (; c0 + 8 * L <= width; c0 += 8 * L) vector_matrix_tile<V, 8, 1>(v, m, rows, width, out, c0);
  if (c0 + 4 * L <= width) {
    vector_matrix_tile<V, 4, 2>(v, m, rows, width, out, c0);
    c0 += 4 * L;
  }
  if (c0 + 2 * L <= width) {
    vector_matrix_tile<V, 2, 4>(v, m, rows, width, out, c0);
    c0 += 2 * L;
  }
  if (c0 + L <= width) {
    vector_matrix_tile<V, 1, 8>(v, m, rows, width, out, c0);
    c0 += L;
  }
  if (c0 < width) plain_vector_matrix(v, m, rows, width, out, c0);
}

typedef float V16 __attribute__((vector_size(64)));
typedef float V8 __attribute__((vector_size(32)));

__attribute__((target("avx512f"))) void multiply_avx512(const float* src, int64_t k, int64_t rows, int64_t taps,
                                                        const int64_t* offset, const float* const* b, int64_t ldb,
                                                        int64_t n, const float* init, const float* bias, float* out) {
  vector_multiply<V16, 8>(src, k, rows, taps, offset, b, ldb, n, init, bias, out);
}

__attribute__((target("avx2,fma"))) void multiply_avx2(const float* src, int64_t k, int64_t rows, int64_t taps,
                                                       const int64_t* offset, const float* const* b, int64_t ldb,
                                                       int64_t n, const float* init, const float* bias, float* out) {
  vector_multiply<V8, 6>(src, k, rows, taps, offset, b, ldb, n, init, bias, out);
}

__attribute__((target("avx512f"))) void outer_avx512(const float* a, int64_t n, const float* x, int64_t k,
                                                     int64_t rows, int64_t offset, float* out, int64_t ldo) {
  vector_outer<V16, 8>(a, n, x, k, rows, offset, out, ldo);
}

__attribute__((target("avx2,fma"))) void outer_avx2(const float* a, int64_t n, const float* x, int64_t k,
                                                    int64_t rows, int64_t offset, float* out, int64_t ldo) {
  vector_outer<V8, 6>(a, n, x, k, rows, offset, out, ldo);
}

__attribute__((target("avx512f"))) void vector_matrix_avx512(const float* v, const float* m, int64_t rows,
                                                             int64_t width, float* out) {
  vector_matrix<V16>(v, m, rows, width, out);
}

__attribute__((target("avx2,fma"))) void vector_matrix_avx2(const float* v, const float* m, int64_t rows,
                                                            int64_t width, float* out) {
  vector_matrix<V8>(v, m, rows, width, out);
}

#endif

Kernel find_widest() {
  if (available(Kernel::avx512)) return Kernel::avx512;
  if (available(Kernel::avx2)) return Kernel::avx2;
  return Kernel::plain;
}

const Kernel kWidest = find_widest();

}  // namespace

bool available(Kernel kernel) {
#ifdef TAP_PRODUCTS_X86
  // A build for one instruction set (SPOTLIGHT_FIXED_ISA) uses no wider kernel than it allows.
#if defined(SPOTLIGHT_FIXED_ISA) && !defined(__AVX512F__)
  if (kernel == Kernel::avx512) return false;
#endif
#if defined(SPOTLIGHT_FIXED_ISA) && !(defined(__AVX2__) && defined(__FMA__))
  if (kernel == Kernel::avx2) return false;
#endif
  if (kernel == Kernel::avx512) return __builtin_cpu_supports("avx512f");
  if (kernel == Kernel::avx2) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
  return kernel == Kernel::plain;
}

Kernel widest() { return kWidest; }

const char* name(Kernel kernel) {
  return kernel == Kernel::avx512 ? "avx512" : kernel == Kernel::avx2 ? "avx2" : "plain";
}

void multiply_with(Kernel kernel, const float* src, int64_t k, int64_t rows, int64_t taps, const int64_t* offset,
                   const float* const* b, int64_t ldb, int64_t n, const float* init, const float* bias, float* out) {
#ifdef TAP_PRODUCTS_X86
  if (kernel == Kernel::avx512) return multiply_avx512(src, k, rows, taps, offset, b, ldb, n, init, bias, out);
  if (kernel == Kernel::avx2) return multiply_avx2(src, k, rows, taps, offset, b, ldb, n, init, bias, out);
#endif
  plain_multiply(src, k, rows, taps, offset, b, ldb, n, init, bias, out, 0);
}

void accumulate_outer_with(Kernel kernel, const float* a, int64_t n, const float* x, int64_t k, int64_t rows,
                           int64_t offset, float* out, int64_t ldo) {
#ifdef TAP_PRODUCTS_X86
  if (kernel == Kernel::avx512) return outer_avx512(a, n, x, k, rows, offset, out, ldo);
  if (kernel == Kernel::avx2) return outer_avx2(a, n, x, k, rows, offset, out, ldo);
#endif
  plain_outer(a, n, x, k, rows, offset, out, ldo, 0);
}

void add_vector_times_matrix_with(Kernel kernel, const float* v, const float* m, int64_t rows, int64_t width,
                                  float* out) {
#ifdef TAP_PRODUCTS_X86
  if (kernel == Kernel::avx512) return vector_matrix_avx512(v, m, rows, width, out);
  if (kernel == Kernel::avx2) return vector_matrix_avx2(v, m, rows, width, out);
#endif
  plain_vector_matrix(v, m, rows, width, out, 0);
}

void add_vector_times_matrix(const float* v, const float* m, int64_t rows, int64_t width, float* out) {
  add_vector_times_matrix_with(kWidest, v, m, rows, width, out);
}

void add_column_sums(const float* m, int64_t rows, int64_t width, float* out) {
  constexpr int64_t kOnes = 256;  // rows per call; one vector of ones for every call
  static const std::vector<float> ones(static_cast<size_t>(kOnes), 1.0f);
  for (int64_t r0 = 0; r0 < rows; r0 += kOnes) {
    add_vector_times_matrix(ones.data(), m + r0 * width, std::min(kOnes, rows - r0), width, out);
  }
}

void multiply(const float* src, int64_t k, int64_t rows, int64_t taps, const int64_t* offset, const float* const* b,
              int64_t ldb, int64_t n, const float* init, const float* bias, float* out) {
  multiply_with(kWidest, src, k, rows, taps, offset, b, ldb, n, init, bias, out);
}

void accumulate_outer(const float* a, int64_t n, const float* x, int64_t k, int64_t rows, int64_t offset, float* out,
                      int64_t ldo) {
  accumulate_outer_with(kWidest, a, n, x, k, rows, offset, out, ldo);
}

}  // namespace spotlight::nn::tap_products
