#pragma once

#include <cstdint>

// The loops of nn::SequenceRepresentation::score's autograd node (sequence_representation.cpp)
// on raw float rows, compiled for AVX-512, AVX2 and baseline x86-64. No LibTorch here. States
// are m_count rows of `dim` floats; ids (k_count x m_count) index the rows of `vectors`
// (items x dim) and `biases` (items), and are checked by the caller.
namespace spotlight::nn::item_score_loops {

// out[k][m] = <states[m], vectors[ids[k][m]]> + biases[ids[k][m]].
void scores(const float* states, int64_t m_count, int64_t dim, const float* vectors, const float* biases,
            const int64_t* ids, int64_t k_count, float* out);

// With g (k_count x m_count) the gradient of the scores: d_states[m] += g[k][m] vectors[id],
// and, for every id but padding_row, d_vectors[id] += g[k][m] states[m], d_biases[id] += g[k][m].
void gradients(const float* states, int64_t m_count, int64_t dim, const float* vectors, const int64_t* ids,
               int64_t k_count, const float* g, int64_t padding_row, float* d_states, float* d_vectors,
               float* d_biases);

}  // namespace spotlight::nn::item_score_loops
