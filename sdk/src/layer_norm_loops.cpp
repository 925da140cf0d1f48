// nn::layer_norm's loops (layer_norm_loops.h). A row whose width is a whole number of vector
// registers runs on GCC vectors inlined into an AVX-512 and an AVX2 entry point (the widest the
// CPU has, as for the tap products); other widths, and other CPUs, run plain loops. A row's sums
// are folded in halves, lane to lane, so that no long chain of scalar additions waits on itself.
#include "layer_norm_loops.h"

#include <cmath>
#include <cstdint>

#include "spotlight/sdk/nn/tap_products.h"
#include "vector_memory.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define LAYER_NORM_X86 1
#endif

namespace spotlight::nn::layer_norm_loops {

namespace {

void plain_forward(const float* x, int64_t rows, int64_t dim, const float* weight, const float* bias, float eps,
                   float* y, float* mean, float* rstd) {
  const float inverse_dim = 1.0f / static_cast<float>(dim);
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = x + r * dim;
    float sum = 0.0f, squares = 0.0f;
    for (int64_t j = 0; j < dim; ++j) sum += in[j];
    const float m = sum * inverse_dim;
    for (int64_t j = 0; j < dim; ++j) squares += (in[j] - m) * (in[j] - m);
    const float s = 1.0f / std::sqrt(squares * inverse_dim + eps);
    for (int64_t j = 0; j < dim; ++j) y[r * dim + j] = (in[j] - m) * s * weight[j] + bias[j];
    mean[r] = m;
    rstd[r] = s;
  }
}

// With g = dy weight and x̂ = (x - mean) rstd: dx = rstd (g - mean(g) - x̂ mean(g x̂)),
// d weight = sum over rows of dy x̂, d bias = sum over rows of dy.
void plain_backward(const float* x, const float* dy, int64_t rows, int64_t dim, const float* weight,
                    const float* mean, const float* rstd, float* dx, float* d_weight, float* d_bias) {
  const float inverse_dim = 1.0f / static_cast<float>(dim);
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = x + r * dim;
    const float* grad = dy + r * dim;
    const float m = mean[r], s = rstd[r];
    float g_sum = 0.0f, gx_sum = 0.0f;
    for (int64_t j = 0; j < dim; ++j) {
      const float normalised = (in[j] - m) * s, g = grad[j] * weight[j];
      g_sum += g;
      gx_sum += g * normalised;
      if (d_weight) d_weight[j] += grad[j] * normalised;
      if (d_bias) d_bias[j] += grad[j];
    }
    if (!dx) continue;
    const float g_mean = g_sum * inverse_dim, gx_mean = gx_sum * inverse_dim;
    for (int64_t j = 0; j < dim; ++j) {
      dx[r * dim + j] = (grad[j] * weight[j] - g_mean - (in[j] - m) * s * gx_mean) * s;
    }
  }
}

#ifdef LAYER_NORM_X86

// GCC notes that the vector types below would be passed differently without AVX; they never
// cross a call (every function taking one is inlined into the entry points).
#pragma GCC diagnostic ignored "-Wpsabi"

typedef float V16 __attribute__((vector_size(64)));
typedef float V8 __attribute__((vector_size(32)));

// The sum of the lanes, in registers: the upper half added to the lower until one lane is left.
typedef int32_t I16 __attribute__((vector_size(64)));
typedef int32_t I8 __attribute__((vector_size(32)));

SPOTLIGHT_VECTOR_INLINE float lane_sum(V16 v) {
  v += __builtin_shuffle(v, I16{8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7});
  v += __builtin_shuffle(v, I16{4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3});
  v += __builtin_shuffle(v, I16{2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1});
  v += __builtin_shuffle(v, I16{1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0});
  return v[0];
}

SPOTLIGHT_VECTOR_INLINE float lane_sum(V8 v) {
  v += __builtin_shuffle(v, I8{4, 5, 6, 7, 0, 1, 2, 3});
  v += __builtin_shuffle(v, I8{2, 3, 0, 1, 2, 3, 0, 1});
  v += __builtin_shuffle(v, I8{1, 0, 1, 0, 1, 0, 1, 0});
  return v[0];
}

template <class V>
constexpr int kLanesOf = sizeof(V) / sizeof(float);

using vector_memory::load;
using vector_memory::store;

// Rows of `vectors` registers of V each.
template <class V>
SPOTLIGHT_VECTOR_INLINE void vector_forward(const float* x, int64_t rows, int64_t vectors, const float* weight,
                                            const float* bias, float eps, float* y, float* mean, float* rstd) {
  constexpr int L = kLanesOf<V>;
  const float inverse_dim = 1.0f / static_cast<float>(vectors * L);
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = x + r * vectors * L;
    float* out = y + r * vectors * L;
    V sum{};
    for (int64_t v = 0; v < vectors; ++v) sum += load<V>(in + v * L);
    const float m = lane_sum(sum) * inverse_dim;
    V squares{};
    for (int64_t v = 0; v < vectors; ++v) {
      const V d = load<V>(in + v * L) - m;
      squares += d * d;
    }
    const float s = 1.0f / std::sqrt(lane_sum(squares) * inverse_dim + eps);
    for (int64_t v = 0; v < vectors; ++v) {
      store(out + v * L, (load<V>(in + v * L) - m) * s * load<V>(weight + v * L) + load<V>(bias + v * L));
    }
    mean[r] = m;
    rstd[r] = s;
  }
}

template <class V>
SPOTLIGHT_VECTOR_INLINE void vector_backward(const float* x, const float* dy, int64_t rows, int64_t vectors,
                                             const float* weight, const float* mean, const float* rstd, float* dx,
                                             float* d_weight, float* d_bias) {
  constexpr int L = kLanesOf<V>;
  const float inverse_dim = 1.0f / static_cast<float>(vectors * L);
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = x + r * vectors * L;
    const float* grad = dy + r * vectors * L;
    const float m = mean[r], s = rstd[r];
    V g_sum{}, gx_sum{};
    for (int64_t v = 0; v < vectors; ++v) {
      const V normalised = (load<V>(in + v * L) - m) * s, dy_v = load<V>(grad + v * L);
      const V g = dy_v * load<V>(weight + v * L);
      g_sum += g;
      gx_sum += g * normalised;
      if (d_weight) store(d_weight + v * L, load<V>(d_weight + v * L) + dy_v * normalised);
      if (d_bias) store(d_bias + v * L, load<V>(d_bias + v * L) + dy_v);
    }
    if (!dx) continue;
    const float g_mean = lane_sum(g_sum) * inverse_dim, gx_mean = lane_sum(gx_sum) * inverse_dim;
    for (int64_t v = 0; v < vectors; ++v) {
      const V normalised = (load<V>(in + v * L) - m) * s;
      const V g = load<V>(grad + v * L) * load<V>(weight + v * L);
      store(dx + r * vectors * L + v * L, (g - g_mean - normalised * gx_mean) * s);
    }
  }
}

__attribute__((target("avx512f"))) void forward_avx512(const float* x, int64_t rows, int64_t vectors,
                                                       const float* weight, const float* bias, float eps, float* y,
                                                       float* mean, float* rstd) {
  vector_forward<V16>(x, rows, vectors, weight, bias, eps, y, mean, rstd);
}

__attribute__((target("avx2,fma"))) void forward_avx2(const float* x, int64_t rows, int64_t vectors,
                                                      const float* weight, const float* bias, float eps, float* y,
                                                      float* mean, float* rstd) {
  vector_forward<V8>(x, rows, vectors, weight, bias, eps, y, mean, rstd);
}

__attribute__((target("avx512f"))) void backward_avx512(const float* x, const float* dy, int64_t rows,
                                                        int64_t vectors, const float* weight, const float* mean,
                                                        const float* rstd, float* dx, float* d_weight,
                                                        float* d_bias) {
  vector_backward<V16>(x, dy, rows, vectors, weight, mean, rstd, dx, d_weight, d_bias);
}

__attribute__((target("avx2,fma"))) void backward_avx2(const float* x, const float* dy, int64_t rows,
                                                       int64_t vectors, const float* weight, const float* mean,
                                                       const float* rstd, float* dx, float* d_weight, float* d_bias) {
  vector_backward<V8>(x, dy, rows, vectors, weight, mean, rstd, dx, d_weight, d_bias);
}

#endif

// Lanes of one register of the widest kernel this CPU runs; 0: none (plain loops).
int vector_lanes() {
  switch (tap_products::widest()) {
    case tap_products::Kernel::avx512: return 16;
    case tap_products::Kernel::avx2: return 8;
    default: return 0;
  }
}

}  // namespace

void forward(const float* x, int64_t rows, int64_t dim, const float* weight, const float* bias, float eps, float* y,
             float* mean, float* rstd) {
#ifdef LAYER_NORM_X86
  const int lanes = vector_lanes();
  if (lanes == 16 && dim % 16 == 0) return forward_avx512(x, rows, dim / 16, weight, bias, eps, y, mean, rstd);
  if (lanes >= 8 && dim % 8 == 0) return forward_avx2(x, rows, dim / 8, weight, bias, eps, y, mean, rstd);
#endif
  plain_forward(x, rows, dim, weight, bias, eps, y, mean, rstd);
}

void backward(const float* x, const float* dy, int64_t rows, int64_t dim, const float* weight, const float* mean,
              const float* rstd, float* dx, float* d_weight, float* d_bias) {
#ifdef LAYER_NORM_X86
  const int lanes = vector_lanes();
  if (lanes == 16 && dim % 16 == 0) {
    return backward_avx512(x, dy, rows, dim / 16, weight, mean, rstd, dx, d_weight, d_bias);
  }
  if (lanes >= 8 && dim % 8 == 0) return backward_avx2(x, dy, rows, dim / 8, weight, mean, rstd, dx, d_weight, d_bias);
#endif
  plain_backward(x, dy, rows, dim, weight, mean, rstd, dx, d_weight, d_bias);
}

}  // namespace spotlight::nn::layer_norm_loops
