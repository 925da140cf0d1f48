#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "cli/commands.h"
#include "cli/launch_ranks.h"
#include "cli/options.h"
#include "spotlight/framework/run/runner.h"
#include "spotlight/framework/run/search.h"
#include "spotlight/framework/training/runtime.h"
#include "src/data/utf8.h"

namespace spotlight::cli {

namespace {

constexpr const char* kRunUsage =
    "usage: spotlight run EXPERIMENT.json [--set key=value ...] [--output DIR] [--resume]\n"
    "         [--nproc N | --rank R --world-size N --master HOST:PORT] [--timeout SECONDS]\n"
    "         [--check-replicas-every-step]";

int positive_integer(const std::string& option, const std::string& value, int lowest, int highest) {
  return static_cast<int>(whole_number(option, value, lowest, highest));
}

// --rank/--world-size/--master (as a launcher starts each rank) and --timeout.
DistributedOptions distributed_options(Arguments& arguments) {
  DistributedOptions options;
  const std::string rank = arguments.take_value("--rank");
  const std::string world_size = arguments.take_value("--world-size");
  const std::string master = arguments.take_value("--master");
  const std::string timeout = arguments.take_value("--timeout");
  options.check_every_step = arguments.take_flag("--check-replicas-every-step");
  if (!timeout.empty()) options.timeout = std::chrono::seconds(positive_integer("--timeout", timeout, 1, 86400));
  if (rank.empty() && world_size.empty() && master.empty()) return options;
  if (rank.empty() || world_size.empty() || master.empty()) {
    throw UsageError("--rank, --world-size and --master go together");
  }
  options.world_size = positive_integer("--world-size", world_size, 1, 65536);
  options.rank = positive_integer("--rank", rank, 0, options.world_size - 1);
  const auto colon = master.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    throw UsageError("--master needs HOST:PORT (e.g. 10.0.0.1:29500), got \"" + master + "\"");
  }
  options.master_host = master.substr(0, colon);
  options.master_port = positive_integer("--master port", master.substr(colon + 1), 1, 65535);
  return options;
}

}  // namespace

int run_command(Arguments& arguments, const Registry& registry) {
  RunOptions options;
  const auto overrides = arguments.take_values("--set");
  options.output_dir = arguments.take_value("--output");
  options.resume = arguments.take_flag("--resume");
  const std::string nproc = arguments.take_value("--nproc");
  options.distributed = distributed_options(arguments);
  // A bar redrawn in place only makes sense on a terminal; logs and pipes get plain lines.
  options.progress_bar = isatty(STDOUT_FILENO) != 0;
  arguments.reject_unknown_options("run");
  if (arguments.words.size() != 2) throw UsageError(kRunUsage);
  const std::filesystem::path experiment_file = arguments.words[1];
  options.default_name = experiment_file.stem().string();
  if (!nproc.empty()) {
    // Each rank is a whole process with its own LibTorch: more than a few per core only
    // exhausts memory, so the bound is this machine's.
    const int most = 4 * static_cast<int>(core_count());
    const int processes = positive_integer("--nproc", nproc, 1, most);
    if (options.distributed.world_size > 1) throw UsageError("--nproc starts the ranks itself; leave out --rank");
    if (processes > 1) {
      // The ranks notice a dead peer by themselves within moments (Gloo sees the closed
      // connection); a rank still waiting at the rendezvous would wait the whole timeout.
      const auto grace = std::min<int64_t>(options.distributed.timeout.count(), 5);
      return launch_local_ranks(arguments.command_line_without("--nproc"), processes, static_cast<int>(grace));
    }
  }
  if (options.distributed.distributed()) die_with_launcher();
  for (const auto& refusal : registry.refusals()) {
    if (options.distributed.rank != 0) break;
    // File names are bytes from the file system: shown escaped, as every message is.
    std::cerr << "spotlight: warning: plugin library " << printable(refusal.file.string())
              << " refused: " << printable(refusal.reason) << "\n";
  }
  try {
    const auto experiment = load_experiment(experiment_file, overrides);
    if (experiment.is_object() && experiment.contains("search")) {
      if (options.resume) throw UsageError("--resume continues one run; a search cannot be resumed yet");
      if (options.distributed.distributed()) throw UsageError("a search runs its trials one by one; leave out --nproc");
      run_search(experiment, options.default_name, options.output_dir, registry, std::cout);
    } else {
      run_loaded_experiment(experiment, options, registry, std::cout);
    }
  } catch (const ConfigError& error) {
    // Name the file the path is in.
    throw Error(experiment_file.string() + ": " + error.what());
  }
  return 0;
}

}  // namespace spotlight::cli
