#include "support/process.h"

#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>
#include <sstream>
#include <chrono>
#include <csignal>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

namespace spotlight::testing {

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

ProcessResult run_spotlight(const std::string& arguments, const std::vector<std::string>& environment) {
  return run_process(shell_quote(SPOTLIGHT_CLI) + " " + arguments, environment);
}

BackgroundProcess::BackgroundProcess(const std::string& command) {
  int pipe_ends[2];
  if (::pipe(pipe_ends) != 0) throw std::runtime_error("pipe failed");
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(pipe_ends[1], STDOUT_FILENO);
    ::close(pipe_ends[0]);
    ::close(pipe_ends[1]);
    // exec, so that a signal reaches the program itself and not a shell around it.
    const std::string exec_command = "exec " + command;
    ::execl("/bin/sh", "sh", "-c", exec_command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(pipe_ends[1]);
  output_ = pipe_ends[0];
}

BackgroundProcess::~BackgroundProcess() {
  if (!ended_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (output_ >= 0) ::close(output_);
}

std::string BackgroundProcess::read_line(int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  for (;;) {
    const auto newline = buffered_.find('\n');
    if (newline != std::string::npos) {
      std::string line = buffered_.substr(0, newline);
      buffered_.erase(0, newline + 1);
      return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return "";
    pollfd ready{output_, POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(left.count())) <= 0) return "";
    char chunk[4096];
    const ssize_t got = ::read(output_, chunk, sizeof chunk);
    if (got <= 0) return "";
    buffered_.append(chunk, static_cast<size_t>(got));
  }
}

void BackgroundProcess::signal(int number) { ::kill(pid_, number); }

int BackgroundProcess::wait(int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      ended_ = true;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

std::string read_text(const std::filesystem::path& file) {
  std::ifstream input(file);
  std::stringstream buffer;
  buffer << input.rdbuf();
  return buffer.str();
}

void write_text(const std::filesystem::path& file, const std::string& text) {
  std::ofstream output(file);
  output << text;
}

TemporaryDirectory::TemporaryDirectory() {
  std::random_device device;
  path_ = std::filesystem::temp_directory_path() / ("spotlight-test-" + std::to_string(device()));
  std::filesystem::create_directories(path_);
}

TemporaryDirectory::~TemporaryDirectory() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

ProcessResult run_process(const std::string& command, const std::vector<std::string>& environment) {
  TemporaryDirectory capture;
  std::string line;
  for (const auto& assignment : environment) line += assignment + " ";
  line += command + " >" + shell_quote((capture.path() / "out").string()) + " 2>" +
          shell_quote((capture.path() / "err").string()) + " </dev/null";
  const int status = std::system(("env " + line).c_str());
  ProcessResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_text(capture.path() / "out");
  result.err = read_text(capture.path() / "err");
  return result;
}

int start_detached(const std::vector<std::string>& arguments) {
  std::vector<char*> argv;
  for (const auto& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  const int failed = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (failed != 0) throw std::runtime_error("cannot start " + arguments.front());
  return pid;
}

}  // namespace spotlight::testing
