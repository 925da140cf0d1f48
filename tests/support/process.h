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

// The built `spotlight` binary run with `arguments` (already shell-quoted where needed).
ProcessResult run_spotlight(const std::string& arguments, const std::vector<std::string>& environment = {});

// Starts `arguments` (the program first) without a shell and without waiting, its standard
// output to /dev/null; returns its pid (the caller kills and reaps it).
int start_detached(const std::vector<std::string>& arguments);

// A command started through /bin/sh in the background, its standard output read line by
// line (standard error goes to the test's). The destructor kills it if it still runs.
class BackgroundProcess {
 public:
  explicit BackgroundProcess(const std::string& command);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  // The next line of standard output without its newline; empty when none came within `seconds`.
  std::string read_line(int seconds);
  void signal(int number);
  // The exit code (128 + signal when killed by one), or -1 when it did not end within `seconds`.
  int wait(int seconds);

 private:
  int pid_ = -1;
  int output_ = -1;
  std::string buffered_;
  bool ended_ = false;
};

std::string read_text(const std::filesystem::path& file);
void write_text(const std::filesystem::path& file, const std::string& text);
// The single-quoted shell form of `text`.
std::string shell_quote(const std::string& text);

}  // namespace spotlight::testing
