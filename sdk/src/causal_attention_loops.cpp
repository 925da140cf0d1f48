// Causal attention one (sequence, head) at a time, one query row at a time: the row's scores
// against its earlier keys, their softmax, dropout and weighted sum, all in the first-level
// cache; backward the same rows again from the stored weights. Nothing is computed for the
// later positions a causal mask would discard, nor for padding between sequences.
// The loops are in causal_attention_kernels.h, compiled here for AVX-512, AVX2 and the
// baseline; the widest the CPU has runs (tap_products::widest()).
#include "causal_attention_loops.h"

// GCC notes that the vector types of the kernels would be passed differently without AVX; they
// never cross a call (every function taking one is inlined into the entry points).
#pragma GCC diagnostic ignored "-Wpsabi"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "dropout_hash.h"
#include "spotlight/sdk/nn/tap_products.h"
#include "vector_memory.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define ATTENTION_X86 1
#endif

namespace spotlight::nn::causal_attention_loops {

namespace {

namespace plain {
#define ATTENTION_VECTOR_BYTES 16
#include "causal_attention_kernels.h"
#undef ATTENTION_VECTOR_BYTES
}  // namespace plain

#ifdef ATTENTION_X86
#pragma GCC push_options
#pragma GCC target("avx512f")
namespace avx512 {
#define ATTENTION_VECTOR_BYTES 64
#include "causal_attention_kernels.h"
#undef ATTENTION_VECTOR_BYTES
}  // namespace avx512
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace avx2 {
#define ATTENTION_VECTOR_BYTES 32
#include "causal_attention_kernels.h"
#undef ATTENTION_VECTOR_BYTES
}  // namespace avx2
#pragma GCC pop_options
#endif

}  // namespace

int64_t prob_count(const Layout& layout) {
  int64_t total = 0;
  for (int64_t s = 0; s < layout.count; ++s) total += layout.heads * layout.lengths[s] * (layout.lengths[s] + 1) / 2;
  return total;
}

void forward(tap_products::Kernel kernel, const Layout& layout, const float* queries, const float* keys,
             const float* values, uint64_t seed, double p, float* probs, float* out) {
#ifdef ATTENTION_X86
  switch (kernel) {
    case tap_products::Kernel::avx512: return avx512::forward_any(layout, queries, keys, values, seed, p, probs, out);
    case tap_products::Kernel::avx2: return avx2::forward_any(layout, queries, keys, values, seed, p, probs, out);
    case tap_products::Kernel::plain: break;
  }
#endif
  plain::forward_any(layout, queries, keys, values, seed, p, probs, out);
}

void backward(tap_products::Kernel kernel, const Layout& layout, const float* queries, const float* keys,
              const float* values, const float* probs, const float* grad_out, uint64_t seed, double p,
              float* grad_queries, float* grad_keys, float* grad_values) {
#ifdef ATTENTION_X86
  switch (kernel) {
    case tap_products::Kernel::avx512:
      return avx512::backward_any(layout, queries, keys, values, probs, grad_out, seed, p, grad_queries,
                                  grad_keys, grad_values);
    case tap_products::Kernel::avx2:
      return avx2::backward_any(layout, queries, keys, values, probs, grad_out, seed, p, grad_queries, grad_keys,
                                grad_values);
    case tap_products::Kernel::plain: break;
  }
#endif
  plain::backward_any(layout, queries, keys, values, probs, grad_out, seed, p, grad_queries, grad_keys, grad_values);
}

}  // namespace spotlight::nn::causal_attention_loops
