#pragma once

#include <cstdint>

// The BPR-max loss's loops on raw float scores, compiled for AVX-512, AVX2 and baseline x86-64.
// A positive's negatives are `count` floats apart: negatives[j * count + p] is negative j of
// positive p, as the model's (samples, ...positive's shape) scores lie in memory. Each loop
// runs over the positives innermost, so it vectorises across them.
namespace bpr_max_terms {

// What the backward pass reads, each (samples x count) but the per-positive sums.
struct Saved {
  float* exps;           // e_j = exp(r_j - max_k r_k): the softmax weight s_j is e_j / exp_sums
  float* sigmoids;       // sigmoid(r+ - r_j)
  float* posteriors;     // s_j sigmoid(r+ - r_j), up to a per-positive factor: q_j = posteriors / posterior_sums
  float* exp_sums;       // (count)
  float* posterior_sums; // (count)
  float* penalties;      // (count): R = sum_j s_j r_j^2
};

// terms[p] = -log(sum_j s_j sigmoid(r+ - r_j)) + regularization * sum_j s_j r_j^2, with s the
// softmax of the negatives' scores r. The sum inside the log is taken relative to its largest
// possible term, so it never underflows however far the negatives are above the positive.
void forward(const float* positives, const float* negatives, int64_t samples, int64_t count, double regularization,
             float* terms, const Saved& saved);

// With g the gradient of the terms: d_positives[p] = -g[p] sum_j q_j (1 - sigmoid_j), and
// d_negatives[j, p] = g[p] (s_j - q_j sigmoid_j + regularization s_j (r_j^2 - R + 2 r_j)).
void backward(const float* negatives, int64_t samples, int64_t count, double regularization, const float* g,
              const Saved& saved, float* d_positives, float* d_negatives);

}  // namespace bpr_max_terms
