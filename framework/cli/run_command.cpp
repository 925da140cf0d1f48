#include <unistd.h>

#include <iostream>

#include "cli/commands.h"
#include "spotlight/framework/runner.h"
#include "spotlight/framework/search.h"

namespace spotlight::cli {

int run_command(Arguments& arguments, const Registry& registry) {
  RunOptions options;
  options.overrides = arguments.take_values("--set");
  options.output_dir = arguments.take_value("--output");
  options.resume = arguments.take_flag("--resume");
  // A bar redrawn in place only makes sense on a terminal; logs and pipes get plain lines.
  options.progress_bar = isatty(STDOUT_FILENO) != 0;
  arguments.reject_unknown_options("run");
  if (arguments.words.size() != 2) throw UsageError("usage: spotlight run EXPERIMENT.json [--set key=value ...] [--output DIR] [--resume]");
  options.experiment_file = arguments.words[1];
  for (const auto& refusal : registry.refusals()) {
    std::cerr << "spotlight: warning: plugin library " << refusal.file.string() << " refused: " << refusal.reason << "\n";
  }
  try {
    const auto experiment = load_experiment(options);
    const std::string name = options.experiment_file.stem().string();
    if (experiment.is_object() && experiment.contains("search")) {
      if (options.resume) throw UsageError("--resume continues one run; a search cannot be resumed yet");
      run_search(experiment, name, options.output_dir, registry, std::cout);
    } else {
      run_loaded_experiment(experiment, name, options.output_dir, options.resume, registry, std::cout,
                            options.progress_bar);
    }
  } catch (const ConfigError& error) {
    // Name the file the path is in.
    throw Error(options.experiment_file.string() + ": " + error.what());
  }
  return 0;
}

}  // namespace spotlight::cli
