#include "spotlight/framework/atomic_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include "spotlight/sdk/errors.h"

namespace spotlight {

void write_file_atomically(const std::filesystem::path& file, const std::string& contents) {
  std::filesystem::path temporary = file;
  temporary += ".tmp-" + std::to_string(::getpid());
  const int descriptor = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (descriptor < 0) throw Error(file.string() + ": cannot write: " + std::strerror(errno));
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t result = ::write(descriptor, contents.data() + written, contents.size() - written);
    if (result < 0) {
      if (errno == EINTR) continue;
      const std::string reason = std::strerror(errno);
      ::close(descriptor);
      ::unlink(temporary.c_str());
      throw Error(file.string() + ": cannot write: " + reason);
    }
    written += static_cast<size_t>(result);
  }
  const bool synced = ::fsync(descriptor) == 0;
  const int sync_error = errno;
  const bool closed = ::close(descriptor) == 0;
  if (!synced || !closed) {
    const std::string reason = std::strerror(synced ? errno : sync_error);
    ::unlink(temporary.c_str());
    throw Error(file.string() + ": cannot write: " + reason);
  }
  if (::rename(temporary.c_str(), file.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(temporary.c_str());
    throw Error(file.string() + ": cannot write: " + reason);
  }
}

}  // namespace spotlight
