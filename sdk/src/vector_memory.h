#pragma once

#include <cstring>

// Unaligned loads and stores of GCC vector types (vector_size attributes) for the SDK's loops,
// always inlined, so that a vector never crosses a call and each becomes one instruction of the
// entry point's instruction set.

// What every helper of those loops that takes or returns a vector is declared with: inlined
// into its caller, so it is compiled for the caller's instruction set.
#define SPOTLIGHT_VECTOR_INLINE __attribute__((always_inline)) inline

namespace spotlight::nn::vector_memory {

// GCC notes that these vectors would be passed differently without AVX; they never cross a call.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"

template <class V>
SPOTLIGHT_VECTOR_INLINE V load(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <class V>
SPOTLIGHT_VECTOR_INLINE void store(float* p, const V& v) {
  std::memcpy(p, &v, sizeof v);
}

#pragma GCC diagnostic pop

}  // namespace spotlight::nn::vector_memory
