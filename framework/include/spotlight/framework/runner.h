#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "spotlight/framework/distributed_options.h"
#include "spotlight/registry/registry.h"

namespace spotlight {

struct RunOptions {
  std::filesystem::path experiment_file;
  std::vector<std::string> overrides;  // --set path.to.key=value, applied in order
  std::filesystem::path output_dir;    // empty: runs/<experiment name>
  bool resume = false;                 // continue the interrupted run in output_dir
  bool progress_bar = false;           // redraw a bar after minibatches (for a terminal)
  DistributedOptions distributed;      // this process's rank in a data-parallel run
};

struct RunReport {
  std::filesystem::path output_dir;
  nlohmann::json metrics;     // what metrics.json holds
  nlohmann::json experiment;  // what experiment.json holds: the resolved configuration
};

// Runs an experiment end to end: validate, load data, split, build the component graph,
// train (printing one line per epoch to `progress`, checkpointing after each epoch into
// DIR/partial), evaluate, and write metrics.json, experiment.json and the final checkpoint
// atomically into the output folder DIR. With `resume`, training continues from
// DIR/partial and reaches the same result as an uninterrupted run. Configuration errors are ConfigErrors
// whose path is the JSON path inside the experiment.
RunReport run_experiment(const RunOptions& options, const Registry& registry, std::ostream& progress);

// The experiment file with the --set overrides applied, not yet validated.
nlohmann::json load_experiment(const RunOptions& options);

// run_experiment for an experiment already in memory; `default_name` names the default
// output folder runs/<name> when the experiment has no name.
//
// With `distributed` naming a world of several processes, every rank loads the data, joins
// the process group, takes rank 0's model state (fresh or resumed) and trains on its shard;
// only rank 0 prints, checkpoints, evaluates and writes outputs (the other ranks return an
// empty report).
RunReport run_loaded_experiment(const nlohmann::json& experiment, const std::string& default_name,
                                const std::filesystem::path& output_dir, bool resume, const Registry& registry,
                                std::ostream& progress, bool progress_bar = false,
                                const DistributedOptions& distributed = {});

}  // namespace spotlight
