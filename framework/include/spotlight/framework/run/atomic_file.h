#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace spotlight {

// A file written in pieces that appears under its name only when complete: the pieces go to
// a temporary file beside `file`, and commit() flushes it to disk and renames it over
// `file`. A reader sees the old file or the new one, never half of one; a writer that fails
// or is destroyed before commit() leaves the old file as it was and removes its temporary.
class AtomicOutputFile {
 public:
  explicit AtomicOutputFile(std::filesystem::path file);
  ~AtomicOutputFile();
  AtomicOutputFile(const AtomicOutputFile&) = delete;
  AtomicOutputFile& operator=(const AtomicOutputFile&) = delete;

  void write(std::string_view bytes);
  void commit();

 private:
  [[noreturn]] void fail(const std::string& reason);

  std::filesystem::path file_;
  std::filesystem::path temporary_;
  int descriptor_ = -1;
};

// Writes `contents` to `file` in one piece through an AtomicOutputFile.
void write_file_atomically(const std::filesystem::path& file, const std::string& contents);

}  // namespace spotlight
