#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "spotlight/registry/registry.h"

namespace spotlight {

struct RunOptions {
  std::filesystem::path experiment_file;
  std::vector<std::string> overrides;  // --set path.to.key=value, applied in order
  std::filesystem::path output_dir;    // empty: runs/<experiment name>
};

struct RunReport {
  std::filesystem::path output_dir;
  nlohmann::json metrics;     // what metrics.json holds
  nlohmann::json experiment;  // what experiment.json holds: the resolved configuration
};

// Runs an experiment end to end: validate, load data, split, build the component graph,
// train (printing one line per epoch to `progress`), evaluate, and write metrics.json and
// experiment.json atomically into the output folder. Configuration errors are ConfigErrors
// whose path is the JSON path inside the experiment.
RunReport run_experiment(const RunOptions& options, const Registry& registry, std::ostream& progress);

}  // namespace spotlight
