// MD5 as specified in RFC 1321.
#include <cmath>
#include <cstring>

#include "spotlight/framework/data/checksums.h"

namespace spotlight {

namespace {

constexpr int kShifts[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                             5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                             4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                             6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};

// floor(|sin(i + 1)| * 2^32), the RFC's table T, computed once rather than typed in.
const uint32_t* sine_table() {
  static const auto table = [] {
    static uint32_t values[64];
    for (int i = 0; i < 64; ++i) values[i] = static_cast<uint32_t>(std::floor(std::fabs(std::sin(i + 1.0)) * 4294967296.0));
    return values;
  }();
  return table;
}

uint32_t rotate_left(uint32_t value, int bits) { return (value << bits) | (value >> (32 - bits)); }

}  // namespace

Md5::Md5() : state_{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476} {}

void Md5::compress(const uint8_t* block) {
  const uint32_t* table = sine_table();
  uint32_t words[16];
  for (int i = 0; i < 16; ++i) {
    words[i] = uint32_t(block[4 * i]) | uint32_t(block[4 * i + 1]) << 8 | uint32_t(block[4 * i + 2]) << 16 |
               uint32_t(block[4 * i + 3]) << 24;
  }
  uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
  for (int i = 0; i < 64; ++i) {
    uint32_t mixed;
    int index;
    if (i < 16) {
      mixed = (b & c) | (~b & d);
      index = i;
    } else if (i < 32) {
      mixed = (d & b) | (~d & c);
      index = (5 * i + 1) % 16;
    } else if (i < 48) {
      mixed = b ^ c ^ d;
      index = (3 * i + 5) % 16;
    } else {
      mixed = c ^ (b | ~d);
      index = (7 * i) % 16;
    }
    const uint32_t rotated = rotate_left(a + mixed + table[i] + words[index], kShifts[i]);
    a = d;
    d = c;
    c = b;
    b = b + rotated;
  }
  state_[0] += a;
  state_[1] += b;
  state_[2] += c;
  state_[3] += d;
}

void Md5::update(const void* data, size_t size) {
  blocks_.update(data, size, [this](const uint8_t* block) { compress(block); });
}

std::string Md5::hex_digest() {
  blocks_.finish(false, [this](const uint8_t* block) { compress(block); });
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (uint32_t word : state_) {
    for (int byte = 0; byte < 4; ++byte) {
      const uint32_t value = (word >> (8 * byte)) & 0xff;
      hex += kHex[value >> 4];
      hex += kHex[value & 0xf];
    }
  }
  return hex;
}

}  // namespace spotlight
