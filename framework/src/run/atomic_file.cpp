#include "spotlight/framework/run/atomic_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include "spotlight/sdk/errors.h"

namespace spotlight {

AtomicOutputFile::AtomicOutputFile(std::filesystem::path file) : file_(std::move(file)), temporary_(file_) {
  temporary_ += ".tmp-" + std::to_string(::getpid());
  descriptor_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (descriptor_ < 0) throw Error(file_.string() + ": cannot write: " + std::strerror(errno));
}

AtomicOutputFile::~AtomicOutputFile() {
  if (descriptor_ >= 0) {
    ::close(descriptor_);
    ::unlink(temporary_.c_str());
  }
}

void AtomicOutputFile::fail(const std::string& reason) {
  ::close(descriptor_);
  descriptor_ = -1;
  ::unlink(temporary_.c_str());
  throw Error(file_.string() + ": cannot write: " + reason);
}

void AtomicOutputFile::write(std::string_view bytes) {
  if (descriptor_ < 0) throw Error(file_.string() + ": written after it was committed");
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t result = ::write(descriptor_, bytes.data() + written, bytes.size() - written);
    if (result < 0) {
      if (errno == EINTR) continue;
      fail(std::strerror(errno));
    }
    written += static_cast<size_t>(result);
  }
}

void AtomicOutputFile::commit() {
  if (descriptor_ < 0) throw Error(file_.string() + ": committed twice");
  if (::fsync(descriptor_) != 0) fail(std::strerror(errno));
  const int descriptor = descriptor_;
  descriptor_ = -1;
  if (::close(descriptor) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(temporary_.c_str());
    throw Error(file_.string() + ": cannot write: " + reason);
  }
  if (::rename(temporary_.c_str(), file_.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(temporary_.c_str());
    throw Error(file_.string() + ": cannot write: " + reason);
  }
}

void write_file_atomically(const std::filesystem::path& file, const std::string& contents) {
  AtomicOutputFile output(file);
  output.write(contents);
  output.commit();
}

}  // namespace spotlight
