#include "src/data/download/external_program.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "spotlight/sdk/errors.h"

extern char** environ;

namespace spotlight {

namespace {

// A temporary file for the child's standard error, removed when done. A file rather than a
// pipe: nothing has to drain it while we wait, however much the program writes.
class ErrorCapture {
 public:
  ErrorCapture() {
    std::string pattern = (std::filesystem::temp_directory_path() / "spotlight-stderr-XXXXXX").string();
    descriptor_ = mkstemp(pattern.data());
    if (descriptor_ < 0) throw Error("cannot create a temporary file in " + std::filesystem::temp_directory_path().string());
    path_ = pattern;
  }
  ~ErrorCapture() {
    close(descriptor_);
    unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }

  std::string last_line() const {
    std::ifstream input(path_);
    std::string line, last;
    while (std::getline(input, line)) {
      if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
    }
    while (!last.empty() && (last.back() == '\r' || last.back() == ' ')) last.pop_back();
    return last;
  }

 private:
  int descriptor_ = -1;
  std::string path_;
};

}  // namespace

ProgramOutcome run_external_program(const std::vector<std::string>& arguments) {
  ErrorCapture capture;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, capture.path().c_str(), O_WRONLY | O_TRUNC, 0);

  std::vector<char*> argv;
  for (const auto& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);

  ProgramOutcome outcome;
  pid_t child = 0;
  const int spawn_error = posix_spawnp(&child, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error != 0) return outcome;  // ENOENT above all: not installed

  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) throw Error("lost track of " + arguments[0] + ": waitpid failed");
  }
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  // glibc's posix_spawnp reports a program it could not execute as exit code 127.
  outcome.started = !(WIFEXITED(status) && WEXITSTATUS(status) == 127);
  outcome.last_error_line = capture.last_line();
  return outcome;
}

}  // namespace spotlight
