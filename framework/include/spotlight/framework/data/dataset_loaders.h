#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "spotlight/framework/data/interactions.h"
#include "spotlight/framework/data/text_loaders.h"
#include "spotlight/sdk/parameters.h"

namespace spotlight {

// A way to obtain interactions, chosen by `dataset.loader` in the experiment.
struct DatasetLoader {
  std::string name;
  std::string description;
  ParameterList parameters;
  // Receives the validated `dataset` section (defaults filled in).
  std::function<LoadedInteractions(const nlohmann::json& dataset)> load;
  // Optional: checks that span several parameters (throws ConfigError), run when the
  // experiment is validated, long before load().
  std::function<void(const nlohmann::json& dataset)> check = nullptr;
};

const std::vector<DatasetLoader>& dataset_loaders();
const DatasetLoader* find_dataset_loader(const std::string& name);

// Loads the interactions a validated `dataset` section describes, and validates them.
LoadedInteractions load_dataset(const nlohmann::json& dataset);

}  // namespace spotlight
