#pragma once

#include <cstdint>

#include "spotlight/sdk/export.h"

namespace spotlight {

// The project's one source of randomness outside LibTorch's initialisers: xoshiro256**
// seeded through splitmix64. Unlike std:: distributions its output is specified bit for
// bit, so the same seed gives the same shuffles, splits and samples on every machine.
class SPOTLIGHT_SDK_API Random {
 public:
  explicit Random(uint64_t seed = 0);

  // Both inline: a sampler calls them once per negative, millions of times an epoch.
  uint64_t next() {
    const uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }
  // Uniform in [0, bound) without modulo bias (Lemire's method). bound must be > 0.
  uint64_t below(uint64_t bound) {
    unsigned __int128 product = static_cast<unsigned __int128>(next()) * bound;
    auto low = static_cast<uint64_t>(product);
    if (low < bound) {
      const uint64_t threshold = -bound % bound;
      while (low < threshold) {
        product = static_cast<unsigned __int128>(next()) * bound;
        low = static_cast<uint64_t>(product);
      }
    }
    return static_cast<uint64_t>(product >> 64);
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform();
  // Standard normal (Box-Muller; draws two uniforms per call).
  double normal();
  // Gamma(shape, 1): Marsaglia-Tsang; for shape < 1 returns log of the variate through
  // log_gamma() instead, since the variate itself underflows for tiny shapes.
  double log_gamma(double shape);

  // A new generator whose stream is independent of this one's (for a helper thread or a
  // component), derived deterministically from this one's next output.
  Random split();

  uint64_t state(int index) const { return state_[index]; }
  void set_state(const uint64_t state[4]);

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  uint64_t state_[4];
};

}  // namespace spotlight
