#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace spotlight::testing {

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `command` through /bin/sh with extra environment assignments ("NAME=value") and
// captures its standard output and error.
ProcessResult run_process(const std::string& command, const std::vector<std::string>& environment = {});

// A fresh, empty folder under the system temporary folder, removed by the destructor.
class TemporaryDirectory {
 public:
  TemporaryDirectory();
  ~TemporaryDirectory();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string read_text(const std::filesystem::path& file);
void write_text(const std::filesystem::path& file, const std::string& text);
// The single-quoted shell form of `text`.
std::string shell_quote(const std::string& text);

}  // namespace spotlight::testing
