#include "support/process.h"

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <sys/wait.h>

namespace spotlight::testing {

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
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

}  // namespace spotlight::testing
