// The item scores' loops (item_score_loops.h). No LibTorch here.
#include "item_score_loops.h"

#include "spotlight/sdk/vector_clones.h"

namespace spotlight::nn::item_score_loops {

namespace {

constexpr int kLanes = 16;  // partial sums, so that the dot product vectorises without reassociating

// <a, b> over `dim` floats in kLanes partial sums (each vector lane its own), then the lanes.
inline float dot(const float* __restrict a, const float* __restrict b, int64_t dim) {
  float lanes[kLanes] = {};
  const int64_t whole = dim - dim % kLanes;
  for (int64_t d = 0; d < whole; d += kLanes) {
    for (int l = 0; l < kLanes; ++l) lanes[l] += a[d + l] * b[d + l];
  }
  float sum = 0.0f;
  for (int l = 0; l < kLanes; ++l) sum += lanes[l];
  for (int64_t d = whole; d < dim; ++d) sum += a[d] * b[d];
  return sum;
}

}  // namespace

SPOTLIGHT_VECTOR_CLONES
void scores(const float* states, int64_t m_count, int64_t dim, const float* vectors, const float* biases,
            const int64_t* ids, int64_t k_count, float* out) {
  for (int64_t k = 0; k < k_count; ++k) {
    for (int64_t m = 0; m < m_count; ++m) {
      const int64_t item = ids[k * m_count + m];
      out[k * m_count + m] = dot(states + m * dim, vectors + item * dim, dim) + biases[item];
    }
  }
}

SPOTLIGHT_VECTOR_CLONES
void gradients(const float* states, int64_t m_count, int64_t dim, const float* vectors, const int64_t* ids,
               int64_t k_count, const float* g, int64_t padding_row, float* d_states, float* d_vectors,
               float* d_biases) {
  for (int64_t k = 0; k < k_count; ++k) {
    for (int64_t m = 0; m < m_count; ++m) {
      const float weight = g[k * m_count + m];
      if (weight == 0.0f) continue;
      const int64_t item = ids[k * m_count + m];
      const float* __restrict a = states + m * dim;
      const float* __restrict b = vectors + item * dim;
      float* __restrict da = d_states + m * dim;
      for (int64_t d = 0; d < dim; ++d) da[d] += weight * b[d];
      if (item == padding_row) continue;  // the padding row never learns
      float* __restrict dv = d_vectors + item * dim;
      for (int64_t d = 0; d < dim; ++d) dv[d] += weight * a[d];
      d_biases[item] += weight;
    }
  }
}

}  // namespace spotlight::nn::item_score_loops
