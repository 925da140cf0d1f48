// The softmax loss's loops (softmax_rows.h). No LibTorch here.
#include "softmax_rows.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "spotlight/sdk/vector_clones.h"
#include "spotlight/sdk/vector_math.h"

namespace softmax_rows {

namespace {

constexpr int kLanes = 16;  // partial maxima and sums, so the reductions vectorise without reassociating

}  // namespace

SPOTLIGHT_VECTOR_CLONES
void softmax(const float* __restrict logits, int64_t rows, int64_t items, float* __restrict probabilities,
             float* __restrict log_normalisers) {
  constexpr float kNone = -std::numeric_limits<float>::infinity();
  for (int64_t r = 0; r < rows; ++r) {
    const float* x = logits + r * items;
    float* p = probabilities + r * items;
    float lane_max[kLanes];
    std::fill(lane_max, lane_max + kLanes, kNone);
    int64_t whole = items - items % kLanes;
    for (int64_t j = 0; j < whole; j += kLanes) {
      for (int k = 0; k < kLanes; ++k) lane_max[k] = x[j + k] > lane_max[k] ? x[j + k] : lane_max[k];
    }
    float top = kNone;
    for (int k = 0; k < kLanes; ++k) top = lane_max[k] > top ? lane_max[k] : top;
    for (int64_t j = whole; j < items; ++j) top = x[j] > top ? x[j] : top;
    for (int64_t j = 0; j < items; ++j) p[j] = x[j] == kNone ? 0.0f : spotlight::vector_math::exp(x[j] - top);
    float lane_sum[kLanes] = {};
    for (int64_t j = 0; j < whole; j += kLanes) {
      for (int k = 0; k < kLanes; ++k) lane_sum[k] += p[j + k];
    }
    float sum = 0.0f;
    for (int k = 0; k < kLanes; ++k) sum += lane_sum[k];
    for (int64_t j = whole; j < items; ++j) sum += p[j];
    const float inverse = 1.0f / sum;
    for (int64_t j = 0; j < items; ++j) p[j] *= inverse;
    log_normalisers[r] = top + std::log(sum);
  }
}

SPOTLIGHT_VECTOR_CLONES
void cross_entropy_gradient(float* __restrict rows, const int64_t* __restrict positives, const float* __restrict g,
                            int64_t count, int64_t items) {
  for (int64_t r = 0; r < count; ++r) {
    const float scale = g[r];
    float* p = rows + r * items;
    for (int64_t j = 0; j < items; ++j) p[j] *= scale;
    p[positives[r]] -= scale;
  }
}

}  // namespace softmax_rows
