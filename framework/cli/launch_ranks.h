#pragma once

#include <string>
#include <vector>

namespace spotlight::cli {

// Starts `processes` copies of this program, each with `command_line` (the caller has taken
// out --nproc) plus `--rank R --world-size N --master 127.0.0.1:PORT` on a free local port, and
// waits for them. When one fails, the others get `grace_seconds` to stop on their own (they
// notice the lost peer) and are then killed. Returns the exit code for the whole run: 0 when
// every rank succeeded.
int launch_local_ranks(const std::vector<std::string>& command_line, int processes, int grace_seconds);

// In a rank started by launch_local_ranks: asks the kernel to kill this process when the
// launcher dies (Ctrl-C, SIGTERM from a scheduler, SIGKILL), so no rank is left behind.
void die_with_launcher();

}  // namespace spotlight::cli
