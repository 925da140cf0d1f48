// The softmax loss's loops (softmax_rows.h). No LibTorch here.
#include "softmax_rows.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "spotlight/sdk/vector_clones.h"
#include "spotlight/sdk/vector_math.h"

namespace softmax_rows {

namespace {

constexpr int kLanes = 16;  // partial maxima and sums, so the reductions vectorise without reassociating

// The row's maximum runs on one GCC vector of 8 floats, which the AVX-512 and AVX2 clones and
// an AVX2-only build compile to one register's max. As a loop over an array of lanes GCC left
// it scalar (a quarter of the exponentials' time), and so does a vector of 16 floats wherever
// AVX-512 is not enabled. The baseline clone runs it in scalar code.
constexpr int kMaxLanes = 8;
typedef float MaxLanes __attribute__((vector_size(kMaxLanes * sizeof(float))));

}  // namespace

SPOTLIGHT_VECTOR_CLONES
void exponentials(const float* __restrict logits, int64_t rows, int64_t items, float* __restrict exps,
                  float* __restrict inverse_sums, float* __restrict log_normalisers) {
  constexpr float kNone = -std::numeric_limits<float>::infinity();
  const int64_t whole = items - items % kLanes;
  for (int64_t r = 0; r < rows; ++r) {
    const float* x = logits + r * items;
    float* e = exps + r * items;
    MaxLanes lane_max = MaxLanes{} + kNone;
    for (int64_t j = 0; j < whole; j += kMaxLanes) {  // whole is a multiple of kLanes, so of kMaxLanes
      MaxLanes v;
      std::memcpy(&v, x + j, sizeof v);
      lane_max = v > lane_max ? v : lane_max;
    }
    float top = kNone;
    for (int k = 0; k < kMaxLanes; ++k) top = lane_max[k] > top ? lane_max[k] : top;
    for (int64_t j = whole; j < items; ++j) top = x[j] > top ? x[j] : top;
    float lane_sum[kLanes] = {};
    for (int64_t j = 0; j < whole; j += kLanes) {
      for (int k = 0; k < kLanes; ++k) {
        const float value = x[j + k] == kNone ? 0.0f : spotlight::vector_math::exp(x[j + k] - top);
        e[j + k] = value;
        lane_sum[k] += value;
      }
    }
    float sum = 0.0f;
    for (int k = 0; k < kLanes; ++k) sum += lane_sum[k];
    for (int64_t j = whole; j < items; ++j) {
      e[j] = x[j] == kNone ? 0.0f : spotlight::vector_math::exp(x[j] - top);
      sum += e[j];
    }
    inverse_sums[r] = 1.0f / sum;
    log_normalisers[r] = top + std::log(sum);
  }
}

SPOTLIGHT_VECTOR_CLONES
void cross_entropy_gradient(float* __restrict rows, const float* __restrict inverse_sums,
                            const int64_t* __restrict positives, const float* __restrict g, int64_t count,
                            int64_t items) {
  for (int64_t r = 0; r < count; ++r) {
    const float scale = g[r] * inverse_sums[r];
    float* p = rows + r * items;
    for (int64_t j = 0; j < items; ++j) p[j] *= scale;
    p[positives[r]] -= g[r];
  }
}

}  // namespace softmax_rows
