#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace spotlight {

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
  uint8_t buffer_[64];
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
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
  uint8_t buffer_[64];
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

struct FileDigests {
  std::string sha256;
  std::string md5;
  uint64_t size = 0;
};

// Both digests of a file in one pass; throws Error when it cannot be read.
FileDigests file_digests(const std::filesystem::path& file);

}  // namespace spotlight
