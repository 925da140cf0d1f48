#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <vector>

namespace spotlight {

// The lines of a text file, read in large blocks: memory stays at one block however big the
// file (the whole file in memory would double the peak of a 20M-line load), and no line
// is copied into a std::string. A line longer than a block grows the block.
class LineReader {
 public:
  explicit LineReader(const std::filesystem::path& file, size_t block_size = size_t(8) << 20);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line without its "\n" or "\r\n", valid until the next call; false at the end.
  bool next(std::string_view& line) {
    if (position_ == lines_end_ && !refill()) return false;
    const char* start = buffer_.data() + position_;
    const char* newline = static_cast<const char*>(std::memchr(start, '\n', lines_end_ - position_));
    const size_t length = newline ? static_cast<size_t>(newline - start) : lines_end_ - position_;
    position_ += newline ? length + 1 : length;
    line = std::string_view(start, length);
    carriage_return_ = length > 0 && start[length - 1] == '\r';
    if (carriage_return_) line.remove_suffix(1);
    ++line_number_;
    return true;
  }

  const std::filesystem::path& file() const { return file_; }
  // Whether the line next() returned last ended in "\r\n" (a quoted field keeps both bytes).
  bool ended_in_carriage_return() const { return carriage_return_; }
  // 1-based number of the line next() returned last.
  size_t line_number() const { return line_number_; }
  // Lines in the whole file, extrapolated from the first block: enough to reserve arrays once.
  size_t estimated_lines() const { return estimated_lines_; }

 private:
  bool refill();

  std::filesystem::path file_;
  int descriptor_ = -1;
  uint64_t file_size_ = 0;
  std::vector<char> buffer_;
  size_t position_ = 0;    // next unread byte
  size_t lines_end_ = 0;   // end of the complete lines in the buffer
  size_t filled_ = 0;      // bytes in the buffer (complete lines, then a partial one)
  bool end_of_file_ = false;
  size_t line_number_ = 0;
  bool carriage_return_ = false;
  // A line this long is not a line of interactions: refused before the buffer grows without bound.
  static constexpr size_t kMaxLineBytes = size_t{1} << 20;
  size_t estimated_lines_ = 0;
};

}  // namespace spotlight
