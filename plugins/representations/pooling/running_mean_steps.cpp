#include "running_mean_steps.h"

#include <cstddef>
#include <vector>

#include "spotlight/sdk/vector_clones.h"

namespace running_mean_steps {

SPOTLIGHT_VECTOR_CLONES
void forward(const float* vectors, int64_t steps, int64_t dim, float* before, float* last, float* divisors) {
  std::vector<double> sums(static_cast<std::size_t>(dim), 0.0);
  std::vector<float> counts(static_cast<std::size_t>(dim), 0.0f);
  for (int64_t d = 0; d < dim; ++d) before[d] = 0.0f;
  for (int64_t t = 0; t < steps; ++t) {
    const float* vector = vectors + t * dim;
    float* after = t + 1 < steps ? before + (t + 1) * dim : last;
    float* divisor = divisors + t * dim;
    for (int64_t d = 0; d < dim; ++d) {
      const auto k = static_cast<std::size_t>(d);
      sums[k] += vector[d];
      counts[k] += vector[d] != 0.0f ? 1.0f : 0.0f;
      divisor[d] = counts[k] + 1.0f;
      after[d] = static_cast<float>(sums[k]) / divisor[d];
    }
  }
}

SPOTLIGHT_VECTOR_CLONES
void backward(const float* d_before, const float* d_last, const float* divisors, int64_t steps, int64_t dim,
              float* d_vectors) {
  // The vector of step s reaches every state after steps t >= s, each divided by its divisor.
  std::vector<double> running(static_cast<std::size_t>(dim), 0.0);
  for (int64_t t = steps - 1; t >= 0; --t) {
    const float* d_after = t + 1 < steps ? d_before + (t + 1) * dim : d_last;
    const float* divisor = divisors + t * dim;
    float* d_vector = d_vectors + t * dim;
    for (int64_t d = 0; d < dim; ++d) {
      const auto k = static_cast<std::size_t>(d);
      running[k] += d_after[d] / divisor[d];
      d_vector[d] = static_cast<float>(running[k]);
    }
  }
}

}  // namespace running_mean_steps
