#pragma once

#include <cstdint>

// The hash behind the SDK's dropout masks (nn::dropout, nn::causal_attention), and the seed
// each masked call draws. No LibTorch here.
namespace spotlight::nn {

// A 32-bit integer hash with good avalanche (lowbias32, Chris Wellons); bijective, so distinct
// inputs never share a draw. mix_into hashes in place a uint32_t or a GCC vector of them (one
// hash per lane; always inlined, so that it runs at the instruction set of the function
// calling it, and by reference, so that no vector crosses a call).
template <class W>
__attribute__((always_inline)) inline void mix_into(W& x) {
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
}

inline uint32_t mix(uint32_t x) {
  mix_into(x);
  return x;
}

// The next dropout seed of this thread: from the stream a DropoutSeeds set on it, else from
// LibTorch's default generator (defined in dropout.cpp).
uint64_t next_dropout_seed();

}  // namespace spotlight::nn
