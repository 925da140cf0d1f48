#include "cli/launch_ranks.h"

#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <thread>

#include "spotlight/framework/distributed/local_port.h"
#include "spotlight/sdk/errors.h"

extern char** environ;

namespace spotlight::cli {

namespace {

constexpr const char* kLauncherVariable = "SPOTLIGHT_LAUNCHER_PID";

pid_t spawn(const std::vector<std::string>& arguments) {
  std::vector<char*> argv;
  for (const auto& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  // The ranks learn who started them, so that they die with the launcher (see rank_options).
  std::vector<std::string> environment{std::string(kLauncherVariable) + "=" + std::to_string(::getpid())};
  for (char** variable = environ; *variable != nullptr; ++variable) {
    if (std::strncmp(*variable, kLauncherVariable, std::strlen(kLauncherVariable)) != 0) environment.emplace_back(*variable);
  }
  std::vector<char*> envp;
  for (auto& variable : environment) envp.push_back(variable.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  const int status = ::posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv.data(), envp.data());
  if (status != 0) throw Error(std::string("--nproc: cannot start a worker process: ") + std::strerror(status));
  return pid;
}

std::string describe(int status) {
  if (WIFSIGNALED(status)) {
    const int signal_number = WTERMSIG(status);
    return "was killed by signal " + std::to_string(signal_number) + " (" + ::strsignal(signal_number) + ")";
  }
  return "exited with code " + std::to_string(WEXITSTATUS(status));
}

}  // namespace

void die_with_launcher() {
  const char* launcher = std::getenv(kLauncherVariable);
  if (launcher == nullptr) return;
  // Only when the launcher is still the parent: otherwise it is gone already, or the variable
  // leaked into an unrelated process.
  if (std::to_string(::getppid()) == launcher) ::prctl(PR_SET_PDEATHSIG, SIGKILL);
}

int launch_local_ranks(const std::vector<std::string>& command_line, int processes, int grace_seconds) {
  const std::string master = "127.0.0.1:" + std::to_string(free_local_port());
  std::vector<pid_t> ranks;
  for (int rank = 0; rank < processes; ++rank) {
    auto arguments = std::vector<std::string>{"spotlight"};
    arguments.insert(arguments.end(), command_line.begin(), command_line.end());
    for (const auto& extra : {std::string("--rank"), std::to_string(rank), std::string("--world-size"),
                              std::to_string(processes), std::string("--master"), master}) {
      arguments.push_back(extra);
    }
    ranks.push_back(spawn(arguments));
  }

  int exit_code = 0;
  int running = processes;
  std::chrono::steady_clock::time_point deadline;
  while (running > 0) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, exit_code == 0 ? 0 : WNOHANG);
    if (pid > 0) {
      --running;
      const auto rank = std::find(ranks.begin(), ranks.end(), pid) - ranks.begin();
      ranks[static_cast<size_t>(rank)] = 0;
      const bool failed = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
      if (failed && exit_code == 0) {
        std::cerr << "spotlight: rank " << rank << " of " << processes << " " << describe(status)
                  << "; stopping the run\n";
        exit_code = 1;
        deadline = std::chrono::steady_clock::now() + std::chrono::seconds(grace_seconds);
      }
      continue;
    }
    if (pid < 0 && errno != EINTR) break;
    if (exit_code != 0 && std::chrono::steady_clock::now() >= deadline) {
      for (const pid_t left : ranks) {
        if (left > 0) ::kill(left, SIGKILL);
      }
      deadline = std::chrono::steady_clock::time_point::max();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return exit_code;
}

}  // namespace spotlight::cli
