#pragma once

#include <cstdint>

// The mixture-of-tastes score of one history position against its items, as plain loops
// (compiled per instruction set; no LibTorch). A state row holds M taste vectors, then M
// attention vectors, `dim` floats each; `vectors` holds `samples` item vectors for the same
// position, `stride` floats apart.
namespace mixture_scores {

// scores[s] = sum_m softmax_m(a_m . e_s) (t_m . e_s); writes the softmax weights and the
// taste scores of each sample (samples x M each) for the backward pass.
void forward(const float* state, const float* vectors, int64_t stride, int64_t samples, int64_t mixtures,
             int64_t dim, float* scores, float* weights, float* taste_scores);

// From d loss / d score of each sample (`gradients`, `samples` of them, `gradient_stride`
// apart): adds to d state (2 M dim floats) and writes d vectors (`stride` apart).
void backward(const float* state, const float* vectors, int64_t stride, int64_t samples, int64_t mixtures,
              int64_t dim, const float* scores, const float* weights, const float* taste_scores,
              const float* gradients, int64_t gradient_stride, float* d_state, float* d_vectors);

}  // namespace mixture_scores
