// The mixture-of-tastes score loops, compiled for AVX-512, AVX2 and baseline x86-64. No
// LibTorch here.
#include "mixture_scores.h"

#include <cmath>

#include "spotlight/sdk/vector_clones.h"

namespace mixture_scores {

namespace {

inline float dot(const float* __restrict a, const float* __restrict b, int64_t n) {
  float sum = 0.0f;
  for (int64_t k = 0; k < n; ++k) sum += a[k] * b[k];
  return sum;
}

}  // namespace

SPOTLIGHT_VECTOR_CLONES
void forward(const float* __restrict state, const float* __restrict vectors, int64_t stride, int64_t samples,
             int64_t mixtures, int64_t dim, float* __restrict scores, float* __restrict weights,
             float* __restrict taste_scores) {
  const float* attention = state + mixtures * dim;
  for (int64_t s = 0; s < samples; ++s) {
    const float* e = vectors + s * stride;
    float* w = weights + s * mixtures;
    float* t = taste_scores + s * mixtures;
    float highest = -INFINITY;
    for (int64_t m = 0; m < mixtures; ++m) {
      w[m] = dot(attention + m * dim, e, dim);
      t[m] = dot(state + m * dim, e, dim);
      highest = std::fmax(highest, w[m]);
    }
    float total = 0.0f;
    for (int64_t m = 0; m < mixtures; ++m) {
      w[m] = std::exp(w[m] - highest);
      total += w[m];
    }
    float score = 0.0f;
    for (int64_t m = 0; m < mixtures; ++m) {
      w[m] /= total;
      score += w[m] * t[m];
    }
    scores[s] = score;
  }
}

SPOTLIGHT_VECTOR_CLONES
void backward(const float* __restrict state, const float* __restrict vectors, int64_t stride, int64_t samples,
              int64_t mixtures, int64_t dim, const float* __restrict scores, const float* __restrict weights,
              const float* __restrict taste_scores, const float* __restrict gradients, int64_t gradient_stride,
              float* __restrict d_state, float* __restrict d_vectors) {
  const float* attention = state + mixtures * dim;
  float* d_attention = d_state + mixtures * dim;
  for (int64_t s = 0; s < samples; ++s) {
    const float* e = vectors + s * stride;
    float* d_e = d_vectors + s * stride;
    const float g = gradients[s * gradient_stride];
    for (int64_t k = 0; k < dim; ++k) d_e[k] = 0.0f;
    for (int64_t m = 0; m < mixtures; ++m) {
      const float w = weights[s * mixtures + m];
      const float d_taste = g * w;                                            // d score / d (t_m . e)
      const float d_match = g * w * (taste_scores[s * mixtures + m] - scores[s]);  // d score / d (a_m . e)
      const float* taste = state + m * dim;
      const float* match = attention + m * dim;
      float* d_taste_row = d_state + m * dim;
      float* d_match_row = d_attention + m * dim;
      for (int64_t k = 0; k < dim; ++k) {
        d_taste_row[k] += d_taste * e[k];
        d_match_row[k] += d_match * e[k];
        d_e[k] += d_taste * taste[k] + d_match * match[k];
      }
    }
  }
}

}  // namespace mixture_scores
