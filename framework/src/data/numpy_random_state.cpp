#include "src/data/numpy_random_state.h"

namespace spotlight {

uint64_t NumpyRandomState::interval(uint64_t max) {
  if (max == 0) return 0;
  uint64_t mask = max;
  for (int shift = 1; shift < 64; shift *= 2) mask |= mask >> shift;
  uint64_t value = 0;
  if (max <= 0xFFFFFFFFull) {
    do value = engine_() & mask;
    while (value > max);
    return value;
  }
  do {
    const uint64_t high = engine_();
    value = ((high << 32) | engine_()) & mask;
  } while (value > max);
  return value;
}

namespace {

uint32_t rotate_left(uint32_t x, int bits) { return (x << bits) | (x >> (32 - bits)); }

}  // namespace

uint32_t murmurhash3_32(int32_t key, uint32_t seed) {
  uint32_t block = static_cast<uint32_t>(key) * 0xcc9e2d51u;
  block = rotate_left(block, 15) * 0x1b873593u;
  uint32_t hash = seed ^ block;
  hash = rotate_left(hash, 13) * 5u + 0xe6546b64u;
  hash ^= 4u;  // the key's length in bytes
  hash ^= hash >> 16;
  hash *= 0x85ebca6bu;
  hash ^= hash >> 13;
  hash *= 0xc2b2ae35u;
  hash ^= hash >> 16;
  return hash;
}

}  // namespace spotlight
