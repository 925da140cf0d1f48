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

  uint64_t next();
  // Uniform in [0, bound) without modulo bias (Lemire's method). bound must be > 0.
  uint64_t below(uint64_t bound);
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
  uint64_t state_[4];
};

}  // namespace spotlight
