#pragma once

#include <filesystem>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "spotlight/registry/registry.h"

namespace spotlight {

struct SearchReport {
  std::filesystem::path output_dir;
  nlohmann::json results;  // what DIR/search.json holds
};

// Runs the hyperparameter search an experiment's `search` block describes:
//   "search": {"strategy": "random" | "grid", "trials": 20, "seed": 42,
//              "metric": "sequence_mrr", "direction": "maximize" | "minimize",
//              "parameters": {"model.optimizer.learning_rate": {"log_uniform": [1e-4, 1e-1]},
//                             "model.embedding_dim": {"choice": [16, 32, 64]}}}
// Each trial is the experiment without its search block, with one value per parameter
// (set as --set would), run into DIR/trial-NNN. After every trial DIR/search.json (every
// trial's values, metrics or error, and the best so far) and DIR/search.svg (the metric per
// trial) are rewritten atomically; DIR/best_experiment.json holds the best trial's resolved
// experiment. A trial that fails (a diverging learning rate, ...) is recorded and the
// search goes on; mistakes in the block itself are ConfigErrors under "search".
SearchReport run_search(const nlohmann::json& experiment, const std::string& default_name,
                        const std::filesystem::path& output_dir, const Registry& registry, std::ostream& progress);

}  // namespace spotlight
