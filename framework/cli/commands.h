#pragma once

#include "cli/arguments.h"
#include "spotlight/registry/registry.h"

namespace spotlight::cli {

// Each command returns the process exit code; errors are thrown and reported by main.
int run_command(Arguments& arguments, const Registry& registry);
int plugins_command(Arguments& arguments, const Registry& registry);
int evaluate_command(Arguments& arguments, const Registry& registry);
int recommend_command(Arguments& arguments, const Registry& registry);
int similar_command(Arguments& arguments, const Registry& registry);
int export_command(Arguments& arguments, const Registry& registry);
int serve_command(Arguments& arguments, const Registry& registry);

}  // namespace spotlight::cli
