// The BPR-max loss's loops (bpr_max_terms.h). No LibTorch here.
#include "bpr_max_terms.h"

#include <algorithm>
#include <cmath>

#include "spotlight/sdk/vector_clones.h"
#include "spotlight/sdk/vector_math.h"

namespace bpr_max_terms {

namespace {

// Positives per block: their running sums live in local arrays that GCC keeps in registers,
// one AVX-512 vector (two AVX2 ones) each, while the loop walks their negatives.
constexpr int64_t kLanes = 16;

// One (positive, negative) pair, with m (`top`) the positive's largest negative score. With
// v = r - r+ and a = exp(-|v|):
//   sigmoid(r+ - r) = (v > 0 ? a : 1) / (1 + a), and
//   s sigmoid(r+ - r) = exp(t) / Z with t = r - m - softplus(v).
// Every t of a positive is at most c = min(0, r+ - m), and the largest is at least c - log 2,
// so its posterior is kept as exp(t - c) = exp(min(r, r+) - min(m, r+)) / (1 + a): no
// exponential of a positive number, and the positive's sum of them is at least one half.
struct Pair {
  float exp;        // exp(r - m)
  float sigmoid;    // sigmoid(r+ - r)
  float posterior;  // exp(t - c)
};

[[gnu::always_inline]] inline Pair pair(float r, float positive, float top) {
  const float v = r - positive;
  const float a = spotlight::vector_math::exp(-std::fabs(v));
  const float inverse = 1.0f / (1.0f + a);
  return {spotlight::vector_math::exp(r - top), (v > 0.0f ? a : 1.0f) * inverse,
          spotlight::vector_math::exp(std::min(r, positive) - std::min(top, positive)) * inverse};
}

// -log(sum_j exp(t_j) / Z) + lambda R = log Z - c - log(sum_j exp(t_j - c)) + lambda R.
[[gnu::always_inline]] inline float term(float positive, float top, float exp_sum, float posterior_sum, float penalty,
                                         float lambda) {
  return std::log(exp_sum) - std::min(0.0f, positive - top) - std::log(posterior_sum) + lambda * penalty;
}

// Positives [begin, begin + n) with n <= kLanes: N is kLanes for whole blocks (the loops over
// the lanes vectorise) and 0 for the last, partial one. Always inlined, so that each
// instruction-set clone of forward() and backward() compiles them at its own width.
template <int64_t N>
[[gnu::always_inline]] inline void forward_block(const float* __restrict positives, const float* __restrict negatives,
                                                 int64_t samples, int64_t count, float lambda, float* __restrict terms,
                                                 const Saved& saved, int64_t begin, int64_t n) {
  const int64_t lanes = N > 0 ? N : n;
  float top[kLanes], exp_sum[kLanes] = {}, posterior_sum[kLanes] = {}, penalty[kLanes] = {};
  const float* __restrict positive = positives + begin;
  for (int64_t k = 0; k < lanes; ++k) top[k] = negatives[begin + k];
  for (int64_t j = 1; j < samples; ++j) {
    const float* __restrict r = negatives + j * count + begin;
    for (int64_t k = 0; k < lanes; ++k) top[k] = std::max(top[k], r[k]);
  }
  for (int64_t j = 0; j < samples; ++j) {
    const int64_t at = j * count + begin;
    const float* __restrict r = negatives + at;
    float* __restrict exps = saved.exps + at;
    float* __restrict sigmoids = saved.sigmoids + at;
    float* __restrict posteriors = saved.posteriors + at;
    for (int64_t k = 0; k < lanes; ++k) {
      const Pair p = pair(r[k], positive[k], top[k]);
      exps[k] = p.exp;
      sigmoids[k] = p.sigmoid;
      posteriors[k] = p.posterior;
      exp_sum[k] += p.exp;
      posterior_sum[k] += p.posterior;
      penalty[k] += p.exp * r[k] * r[k];
    }
  }
  for (int64_t k = 0; k < lanes; ++k) {
    const int64_t p = begin + k;
    saved.exp_sums[p] = exp_sum[k];
    saved.posterior_sums[p] = posterior_sum[k];
    saved.penalties[p] = penalty[k] / exp_sum[k];
    terms[p] = term(positive[k], top[k], exp_sum[k], posterior_sum[k], saved.penalties[p], lambda);
  }
}

// d_negatives[j, p] = g s_j (1 + lambda (r_j^2 - R + 2 r_j)) - g q_j sigmoid_j, and
// d_positives[p] = -g sum_j q_j (1 - sigmoid_j), with s_j = exp_j / Z and q_j = posterior_j / W.
template <int64_t N>
[[gnu::always_inline]] inline void backward_block(const float* __restrict negatives, int64_t samples, int64_t count,
                                                  float lambda, const float* __restrict g, const Saved& saved,
                                                  float* __restrict d_positives, float* __restrict d_negatives,
                                                  int64_t begin, int64_t n) {
  const int64_t lanes = N > 0 ? N : n;
  float g_over_z[kLanes], g_over_w[kLanes], penalty[kLanes], d_positive[kLanes] = {};
  for (int64_t k = 0; k < lanes; ++k) {
    g_over_z[k] = g[begin + k] / saved.exp_sums[begin + k];
    g_over_w[k] = g[begin + k] / saved.posterior_sums[begin + k];
    penalty[k] = saved.penalties[begin + k];
  }
  for (int64_t j = 0; j < samples; ++j) {
    const int64_t at = j * count + begin;
    const float* __restrict r = negatives + at;
    const float* __restrict exps = saved.exps + at;
    const float* __restrict sigmoids = saved.sigmoids + at;
    const float* __restrict posteriors = saved.posteriors + at;
    float* __restrict d = d_negatives + at;
    for (int64_t k = 0; k < lanes; ++k) {
      const float gs = g_over_z[k] * exps[k];
      const float gq = g_over_w[k] * posteriors[k];
      d[k] = gs * (1.0f + lambda * (r[k] * r[k] - penalty[k] + 2.0f * r[k])) - gq * sigmoids[k];
      d_positive[k] -= gq * (1.0f - sigmoids[k]);
    }
  }
  for (int64_t k = 0; k < lanes; ++k) d_positives[begin + k] = d_positive[k];
}

}  // namespace

SPOTLIGHT_VECTOR_CLONES
void forward(const float* positives, const float* negatives, int64_t samples, int64_t count, double regularization,
             float* terms, const Saved& saved) {
  const auto lambda = static_cast<float>(regularization);
  const int64_t whole = count - count % kLanes;
  for (int64_t begin = 0; begin < whole; begin += kLanes) {
    forward_block<kLanes>(positives, negatives, samples, count, lambda, terms, saved, begin, kLanes);
  }
  if (whole < count) forward_block<0>(positives, negatives, samples, count, lambda, terms, saved, whole, count - whole);
}

SPOTLIGHT_VECTOR_CLONES
void backward(const float* negatives, int64_t samples, int64_t count, double regularization, const float* g,
              const Saved& saved, float* d_positives, float* d_negatives) {
  const auto lambda = static_cast<float>(regularization);
  const int64_t whole = count - count % kLanes;
  for (int64_t begin = 0; begin < whole; begin += kLanes) {
    backward_block<kLanes>(negatives, samples, count, lambda, g, saved, d_positives, d_negatives, begin, kLanes);
  }
  if (whole < count) {
    backward_block<0>(negatives, samples, count, lambda, g, saved, d_positives, d_negatives, whole, count - whole);
  }
}

}  // namespace bpr_max_terms
