#include "spotlight/framework/data/bounded_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "spotlight/sdk/errors.h"

namespace spotlight {

int open_regular_file(const std::filesystem::path& file, const std::string& what, uint64_t& size) {
  // O_NONBLOCK: opening a FIFO for reading must not wait for a writer before it is refused.
  const int descriptor = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (descriptor < 0) throw Error(file.string() + ": cannot open " + what);
  struct stat status {};
  if (::fstat(descriptor, &status) != 0 || !S_ISREG(status.st_mode)) {
    ::close(descriptor);
    throw Error(file.string() + ": not a regular file (" + what + ")");
  }
  ::fcntl(descriptor, F_SETFL, ::fcntl(descriptor, F_GETFL) & ~O_NONBLOCK);
  size = static_cast<uint64_t>(status.st_size);
  return descriptor;
}

std::string read_bounded_file(const std::filesystem::path& file, const std::string& what, uint64_t max_bytes) {
  uint64_t size = 0;
  const int descriptor = open_regular_file(file, what, size);
  auto fail = [&](const std::string& reason) {
    ::close(descriptor);
    throw Error(file.string() + ": " + reason);
  };
  const auto limit_text = max_bytes >= (1u << 20) ? std::to_string(max_bytes >> 20) + " MiB"
                                                  : std::to_string(max_bytes) + " bytes";
  if (size > max_bytes) fail("larger than the " + limit_text + " " + what + " may have");
  std::string text;
  text.resize(static_cast<size_t>(size));
  size_t filled = 0;
  for (;;) {
    if (filled == text.size()) {
      // The file grew while being read: read on, up to the limit.
      if (text.size() >= max_bytes) {
        char probe;
        if (::read(descriptor, &probe, 1) > 0) fail("larger than the " + limit_text + " " + what + " may have");
        break;
      }
      text.resize(std::min<uint64_t>(max_bytes, std::max<uint64_t>(4096, text.size() * 2)));
    }
    const ssize_t got = ::read(descriptor, text.data() + filled, text.size() - filled);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) fail("cannot read " + what);
    if (got == 0) break;
    filled += static_cast<size_t>(got);
  }
  ::close(descriptor);
  text.resize(filled);
  return text;
}

}  // namespace spotlight
