#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "spotlight/framework/distributed/distributed_options.h"
#include "spotlight/registry/registry.h"

namespace spotlight {

// How one run is carried out, beside what the experiment itself says.
struct RunOptions {
  std::string default_name = "experiment";  // names runs/<name> when the experiment has no "name"
  std::filesystem::path output_dir;         // empty: runs/<experiment name>
  bool resume = false;                      // continue the interrupted run in output_dir
  bool progress_bar = false;                // redraw a bar after minibatches (for a terminal)
  DistributedOptions distributed;           // this process's rank in a data-parallel run
};

struct RunReport {
  std::filesystem::path output_dir;
  nlohmann::json metrics;     // what metrics.json holds
  nlohmann::json experiment;  // what experiment.json holds: the resolved configuration
};

// Where a run (or a search) writes: `output_dir` when given, else runs/<name>, the name being
// the experiment's "name" or else `default_name`. A name must be a plain folder name (no path
// separator, not "." or "..", no control character): a ConfigError at "name" otherwise.
std::filesystem::path run_output_dir(const nlohmann::json& experiment, const std::string& default_name,
                                     const std::filesystem::path& output_dir);

// An experiment file with its --set overrides applied in order, not yet validated.
nlohmann::json load_experiment(const std::filesystem::path& file, const std::vector<std::string>& overrides);

// Runs an experiment end to end, in stages: validate it (once), load and split the data,
// build the component graph (or take the interrupted run's model with `resume`), train
// (printing one line per epoch to `progress`, checkpointing after each epoch into
// DIR/partial), evaluate, and write metrics.json, experiment.json, the final checkpoint and
// loss.svg atomically into the output folder DIR. A resumed run reaches the same result as an
// uninterrupted one. Configuration errors are ConfigErrors whose path is the JSON path inside
// the experiment.
//
// With `options.distributed` naming a world of several processes, every rank loads the
// data, joins the process group, takes rank 0's model state (fresh or resumed) and trains on
// its shard; only rank 0 prints, checkpoints, evaluates and writes outputs (the other ranks
// return an empty report).
RunReport run_loaded_experiment(const nlohmann::json& experiment, const RunOptions& options, const Registry& registry,
                                std::ostream& progress);

}  // namespace spotlight
