// The zip format (PKWARE APPNOTE.TXT): a local header before each file, a central directory
// listing them all, and an end record pointing at the directory.
#include "support/zip_writer.h"

#include <cstdint>

namespace spotlight::testing {

namespace {

uint32_t crc32(const std::string& bytes) {
  uint32_t crc = 0xffffffffu;
  for (unsigned char byte : bytes) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void put16(std::string& out, uint32_t value) {
  out += static_cast<char>(value & 0xff);
  out += static_cast<char>((value >> 8) & 0xff);
}

void put32(std::string& out, uint32_t value) {
  put16(out, value & 0xffff);
  put16(out, value >> 16);
}

// Fields shared by a local header and a central directory entry, from "version needed" on.
void put_common(std::string& out, const std::string& name, const std::string& contents) {
  put16(out, 10);      // version needed: 1.0, stored
  put16(out, 0);       // flags
  put16(out, 0);       // method: stored
  put16(out, 0);       // time 00:00:00
  put16(out, 0x21);    // date 1980-01-01
  put32(out, crc32(contents));
  put32(out, static_cast<uint32_t>(contents.size()));  // compressed size
  put32(out, static_cast<uint32_t>(contents.size()));  // uncompressed size
  put16(out, static_cast<uint32_t>(name.size()));
  put16(out, 0);  // extra field length
}

}  // namespace

std::string stored_zip(const std::vector<std::pair<std::string, std::string>>& files) {
  std::string archive, directory;
  for (const auto& [name, contents] : files) {
    const auto offset = static_cast<uint32_t>(archive.size());
    put32(archive, 0x04034b50);
    put_common(archive, name, contents);
    archive += name + contents;

    put32(directory, 0x02014b50);
    put16(directory, 20);  // made by: MS-DOS, version 2.0
    put_common(directory, name, contents);
    put16(directory, 0);  // comment length
    put16(directory, 0);  // disk
    put16(directory, 0);  // internal attributes
    put32(directory, 0);  // external attributes
    put32(directory, offset);
    directory += name;
  }
  const auto directory_offset = static_cast<uint32_t>(archive.size());
  archive += directory;
  put32(archive, 0x06054b50);
  put16(archive, 0);
  put16(archive, 0);
  put16(archive, static_cast<uint32_t>(files.size()));
  put16(archive, static_cast<uint32_t>(files.size()));
  put32(archive, static_cast<uint32_t>(directory.size()));
  put32(archive, directory_offset);
  put16(archive, 0);  // comment length
  return archive;
}

}  // namespace spotlight::testing
