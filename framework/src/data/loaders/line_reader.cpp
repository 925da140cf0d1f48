#include "src/data/loaders/line_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "spotlight/framework/data/bounded_file.h"
#include "spotlight/sdk/errors.h"

namespace spotlight {

LineReader::LineReader(const std::filesystem::path& file, size_t block_size) : file_(file) {
  try {
    descriptor_ = open_regular_file(file, "the data file", file_size_);
  } catch (const Error& refused) {
    throw DataError(refused.what());
  }
  // A small file gets a small block (one byte more than the file, so the first read finds
  // its end): allocating and zeroing a whole block dominated loading a file of a few lines.
  constexpr uint64_t kSmallestBlock = 64 << 10;
  buffer_.resize(static_cast<size_t>(std::min<uint64_t>(block_size, std::max(kSmallestBlock, file_size_ + 1))));
  posix_fadvise(descriptor_, 0, 0, POSIX_FADV_SEQUENTIAL);
  refill();  // the first block now, so that estimated_lines() is known before the first line
}

LineReader::~LineReader() {
  if (descriptor_ >= 0) close(descriptor_);
}

bool LineReader::refill() {
  // Keep the partial last line, moved to the front.
  const size_t partial = filled_ - lines_end_;
  std::memmove(buffer_.data(), buffer_.data() + lines_end_, partial);
  filled_ = partial;
  position_ = lines_end_ = 0;
  for (;;) {
    if (end_of_file_) {
      lines_end_ = filled_;  // the last line may lack its "\n"
      return filled_ > 0;
    }
    if (filled_ == buffer_.size()) {  // a line longer than a block
      if (filled_ - lines_end_ >= kMaxLineBytes) {
        throw DataError(file_.string() + ":" + std::to_string(line_number_ + 1) + ": a line longer than " +
                        std::to_string(kMaxLineBytes >> 20) + " MiB; is this a text file of interactions?");
      }
      buffer_.resize(buffer_.size() * 2);
    }
    const ssize_t got = read(descriptor_, buffer_.data() + filled_, buffer_.size() - filled_);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw DataError(file_.string() + ": cannot read the data file");
    }
    const bool first_block = estimated_lines_ == 0 && line_number_ == 0 && filled_ == 0;
    filled_ += static_cast<size_t>(got);
    end_of_file_ = got == 0;
    if (first_block && got > 0) {
      const auto newlines = static_cast<size_t>(std::count(buffer_.data(), buffer_.data() + filled_, '\n'));
      estimated_lines_ = static_cast<size_t>(static_cast<double>(file_size_) * (newlines + 1) / filled_ * 1.02) + 16;
    }
    // Complete lines end at the last "\n" of what is buffered.
    for (size_t i = filled_; i > 0; --i) {
      if (buffer_[i - 1] == '\n') {
        lines_end_ = i;
        return true;
      }
    }
  }
}

}  // namespace spotlight
