#pragma once

#include <string>
#include <vector>

namespace spotlight {

struct ProgramOutcome {
  bool started = false;       // false: the program is not installed (not on PATH)
  int exit_code = -1;         // 128 + signal when it was killed
  std::string last_error_line;  // the last non-empty line it wrote to standard error
};

// Runs arguments[0] (looked up on PATH) with arguments[1..] and waits for it. No shell is
// involved, so nothing in a URL or a path is ever interpreted. Standard input and output are
// /dev/null; standard error is kept for the error message.
ProgramOutcome run_external_program(const std::vector<std::string>& arguments);

}  // namespace spotlight
