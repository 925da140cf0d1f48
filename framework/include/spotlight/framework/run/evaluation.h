#pragma once

#include <memory>
#include <ostream>
#include <vector>

#include <nlohmann/json.hpp>

#include "spotlight/framework/training/model.h"
#include "spotlight/framework/data/split.h"
#include "spotlight/sdk/evaluator.h"

namespace spotlight {

// Runs every evaluator on the split's test interactions (with its training interactions
// available for exclusion) and returns {"metric name": value}. Two evaluators that report
// the same metric name are a ConfigError at the second one's path. Blocks of users are scored
// on `threads` workers (0: one per core), each with one-thread products (scoring_workers.h);
// the compute threads in use before the call are back when it returns.
nlohmann::json evaluate_model(Model& model, const std::vector<std::shared_ptr<Evaluator>>& evaluators,
                              const TrainTestSplit& split, int64_t threads);

// The metrics table `spotlight run` and `spotlight evaluate` print.
void print_metrics(std::ostream& out, const nlohmann::json& metrics);

}  // namespace spotlight
