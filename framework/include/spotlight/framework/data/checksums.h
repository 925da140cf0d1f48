#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>

namespace spotlight {

namespace detail {

// The framing MD5 and SHA-256 share: the message cut into 64-byte blocks for the hash's
// compression function, then 0x80, zeros and the message length in bits in the last 8 bytes
// of the final block (little-endian for MD5, big-endian for SHA-256).
class BlockBuffer {
 public:
  template <class Compress>
  void update(const void* data, size_t size, Compress&& compress) {
    const auto* bytes = static_cast<const uint8_t*>(data);
    total_bytes_ += size;
    while (size > 0) {
      if (buffered_ == 0 && size >= 64) {  // whole blocks straight from the input
        compress(bytes);
        bytes += 64;
        size -= 64;
        continue;
      }
      const size_t take = size < 64 - buffered_ ? size : 64 - buffered_;
      std::memcpy(buffer_ + buffered_, bytes, take);
      buffered_ += take;
      bytes += take;
      size -= take;
      if (buffered_ == 64) {
        compress(buffer_);
        buffered_ = 0;
      }
    }
  }

  template <class Compress>
  void finish(bool big_endian_length, Compress&& compress) {
    const uint64_t bit_length = total_bytes_ * 8;
    const uint8_t one_bit = 0x80, zero = 0;
    update(&one_bit, 1, compress);
    while (buffered_ != 56) update(&zero, 1, compress);
    uint8_t length[8];
    for (int i = 0; i < 8; ++i) length[i] = uint8_t(bit_length >> (big_endian_length ? 56 - 8 * i : 8 * i));
    update(length, 8, compress);
  }

 private:
  uint8_t buffer_[64];
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

}  // namespace detail

// Streaming SHA-256 (FIPS 180-4). Our own ~100 lines instead of linking OpenSSL into the host
// for one hash of one downloaded archive.
class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  // Lower-case hex of the digest; the object is spent afterwards.
  std::string hex_digest();

 private:
  void compress(const uint8_t* block);
  uint32_t state_[8];
  detail::BlockBuffer blocks_;
};

// Streaming MD5 (RFC 1321). Broken as a defence against an attacker, but GroupLens publishes
// only MD5 sums for some archives, and it still catches a truncated or damaged download.
class Md5 {
 public:
  Md5();
  void update(const void* data, size_t size);
  std::string hex_digest();

 private:
  void compress(const uint8_t* block);
  uint32_t state_[4];
  detail::BlockBuffer blocks_;
};

struct FileDigests {
  std::string sha256;
  std::string md5;
  uint64_t size = 0;
};

// Both digests of a file in one pass; throws Error when it cannot be read.
FileDigests file_digests(const std::filesystem::path& file);

}  // namespace spotlight
