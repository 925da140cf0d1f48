// The activation loops of the causal convolution, compiled for AVX-512, AVX2 and baseline
// x86-64. No LibTorch here.
#include "convolution_activations.h"

#include "spotlight/sdk/vector_clones.h"
#include "spotlight/sdk/vector_math.h"

namespace convolution_activations {

SPOTLIGHT_VECTOR_CLONES
void forward(const float* __restrict z, const float* __restrict x, int64_t n, bool relu, bool residual,
             float* h, float* out) {
  // h and out may be one buffer (no residual), so neither is __restrict; the loops write each
  // element once from inputs that do not alias them.
  if (relu) {
    for (int64_t i = 0; i < n; ++i) h[i] = z[i] > 0.0f ? z[i] : 0.0f;
  } else {
    for (int64_t i = 0; i < n; ++i) h[i] = spotlight::vector_math::tanh(z[i]);
  }
  if (residual) {
    for (int64_t i = 0; i < n; ++i) out[i] = h[i] + x[i];
  }
}

SPOTLIGHT_VECTOR_CLONES
void backward(const float* __restrict d_out, const float* __restrict h, int64_t n, bool relu,
              float* __restrict dz) {
  if (relu) {
    for (int64_t i = 0; i < n; ++i) dz[i] = h[i] > 0.0f ? d_out[i] : 0.0f;
  } else {
    for (int64_t i = 0; i < n; ++i) dz[i] = d_out[i] * (1.0f - h[i] * h[i]);
  }
}

}  // namespace convolution_activations
