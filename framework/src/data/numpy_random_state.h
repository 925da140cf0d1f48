#pragma once

#include <cstdint>
#include <random>

// The draws Spotlight's splits make through NumPy's legacy `RandomState` (MT19937), and
// scikit-learn's `murmurhash3_32`, reproduced bit for bit so that a split with seed S here
// holds exactly the interactions Spotlight's split with `RandomState(S)` holds.
namespace spotlight {

class NumpyRandomState {
 public:
  // `RandomState(seed)`; NumPy refuses seeds of 2^32 and above, which are folded to 32 bits here.
  explicit NumpyRandomState(uint64_t seed)
      : engine_(static_cast<std::mt19937::result_type>(seed <= 0xFFFFFFFFull ? seed : (seed ^ (seed >> 32)) & 0xFFFFFFFFull)) {}

  // An integer in [0, max], drawn as NumPy's `random_interval` does (masked rejection).
  uint64_t interval(uint64_t max);

  // `randint(low, high, dtype=np.int64)` for 0 <= low < high <= 2^32.
  int64_t randint(int64_t low, int64_t high) { return low + static_cast<int64_t>(interval(static_cast<uint64_t>(high - low - 1))); }

  // `shuffle(indices)` of a one-dimensional array: Fisher-Yates from the last element down.
  template <typename T>
  void shuffle(T* values, size_t count) {
    for (size_t i = count; i > 1; --i) std::swap(values[i - 1], values[interval(i - 1)]);
  }

 private:
  std::mt19937 engine_;
};

// scikit-learn's `murmurhash3_32(key, seed, positive=True)` of a 32-bit integer key
// (MurmurHash3_x86_32 over its four little-endian bytes).
uint32_t murmurhash3_32(int32_t key, uint32_t seed);

}  // namespace spotlight
