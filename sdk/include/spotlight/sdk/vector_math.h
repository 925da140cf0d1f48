#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

// Activations for hot loops, written without calls into libm (whose scalar expf and tanhf were
// a fifth of an LSTM epoch) with Cephes's single-precision polynomials, accurate to about
// 2 ulp, and without branches. Inline, so each instruction-set clone of a caller
// (SPOTLIGHT_VECTOR_CLONES) vectorises them at its own width.
namespace spotlight::vector_math {

// e^x for x in float's range; inputs below -87.3 give about 1e-38 and above 88.3 are clamped.
inline float exp(float x) {
  x = x < -87.3f ? -87.3f : x;
  x = x > 88.3f ? 88.3f : x;
  // x = k ln 2 + r with |r| <= ln 2 / 2, ln 2 split in two for an exact k ln 2. k is rounded
  // by adding and taking away 1.5 * 2^23 (exact for |k| < 2^22), which keeps the loop free of
  // branches; a conditional here stops GCC from vectorising the callers' loops.
  const float scaled = x * 1.44269504088896341f;
  const float kf = (scaled + 12582912.0f) - 12582912.0f;
  const auto k = static_cast<int32_t>(kf);
  float r = x - kf * 0.693359375f;
  r = r - kf * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float e_r = p * r * r + r + 1.0f;
  const int32_t bits = (k + 127) << 23;  // 2^k
  float two_to_k;
  std::memcpy(&two_to_k, &bits, sizeof two_to_k);
  return e_r * two_to_k;
}

inline float sigmoid(float x) { return 1.0f / (1.0f + exp(-x)); }

inline float tanh(float x) {
  const float magnitude = x < 0.0f ? -x : x;
  // Small inputs by the odd polynomial (no cancellation), larger ones through e^(2|x|).
  const float s = x * x;
  float p = -5.70498872745e-3f;
  p = p * s + 2.06390887954e-2f;
  p = p * s - 5.37397155531e-2f;
  p = p * s + 1.33314422036e-1f;
  p = p * s - 3.33332819422e-1f;
  const float small = p * s * x + x;
  const float large = 1.0f - 2.0f / (exp(2.0f * magnitude) + 1.0f);
  return magnitude < 0.625f ? small : std::copysign(large, x);
}

// tanh(x) as 2 sigmoid(2x) - 1: one exponential and one division, without tanh()'s polynomial
// for small inputs and its choice between the two. Its absolute error is under 2.5e-7, as
// tanh()'s near +-1, but near 0 its relative error grows (about 1e-3 at 1e-4): for gate
// activations, where the absolute error is what reaches the sums. A fifth cheaper than tanh()
// in the LSTM's step.
inline float tanh_activation(float x) { return 2.0f / (1.0f + exp(-2.0f * x)) - 1.0f; }

}  // namespace spotlight::vector_math
