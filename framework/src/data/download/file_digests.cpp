#include <fstream>
#include <vector>

#include "spotlight/framework/data/checksums.h"
#include "spotlight/sdk/errors.h"

namespace spotlight {

FileDigests file_digests(const std::filesystem::path& file) {
  std::ifstream input(file, std::ios::binary);
  if (!input) throw Error(file.string() + ": cannot open the file to compute its checksum");
  Sha256 sha256;
  Md5 md5;
  FileDigests digests;
  std::vector<char> block(1 << 20);
  while (input) {
    input.read(block.data(), static_cast<std::streamsize>(block.size()));
    const auto got = static_cast<size_t>(input.gcount());
    sha256.update(block.data(), got);
    md5.update(block.data(), got);
    digests.size += got;
  }
  if (input.bad()) throw Error(file.string() + ": read error while computing its checksum");
  digests.sha256 = sha256.hex_digest();
  digests.md5 = md5.hex_digest();
  return digests;
}

}  // namespace spotlight
