#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "spotlight/framework/training/model.h"
#include "spotlight/registry/registry.h"
#include "spotlight/sdk/evaluator.h"

namespace spotlight {

// A plugin a model was built from, as recorded in checkpoints.
struct PluginUse {
  std::string name;
  std::string kind;
  std::string version;
};

// A model and its evaluators, built from an experiment's component graph.
struct AssembledModel {
  std::unique_ptr<Model> model;
  std::vector<std::shared_ptr<Evaluator>> evaluators;
  std::shared_ptr<Evaluator> validation_evaluator;  // the experiment's validation.evaluator, or null
  nlohmann::json resolved;  // the whole experiment with every default filled in
  std::vector<PluginUse> plugins;
};

// Builds the model of `experiment` (validated: validate_experiment's result, or a resolved
// experiment read back from a checkpoint) for a dataset of the given size.
// Parameters are initialised from LibTorch's generator seeded with model.seed.
AssembledModel assemble_model(const nlohmann::json& experiment, const Registry& registry, int64_t num_users,
                              int64_t num_items);

}  // namespace spotlight
