#include <iostream>

#include "cli/commands.h"
#include "spotlight/framework/run/checkpoint.h"
#include "spotlight/framework/run/evaluation.h"
#include "spotlight/framework/config/experiment.h"
#include "spotlight/framework/data/dataset_loaders.h"
#include "spotlight/sdk/errors.h"

namespace spotlight::cli {

int evaluate_command(Arguments& arguments, const Registry& registry) {
  const std::string folder = arguments.take_value("--model");
  const std::string data_file = arguments.take_value("--data");
  const bool as_json = arguments.take_flag("--json");
  arguments.reject_unknown_options("evaluate");
  if (folder.empty() || arguments.words.size() != 1) {
    throw UsageError("usage: spotlight evaluate --model DIR [--data DATASET.json] [--json]");
  }
  auto saved = load_checkpoint(folder, registry);
  const auto& experiment = saved.assembled.resolved;
  Interactions data;
  try {
    data = training_data(saved);
  } catch (const DataError& error) {
    throw DataError(folder + ": " + error.what());
  }
  auto split = split_as_configured(data, experiment.at("split"));
  if (!data_file.empty()) {
    // Other interactions as the test set; the model's own training items stay excluded.
    nlohmann::json dataset;
    try {
      // A dataset section by itself, or a document that holds one under "dataset" (an
      // experiment file: its dataset is the one evaluated on).
      const auto document = read_experiment_file(data_file);
      const bool wrapped = document.is_object() && document.contains("dataset") && !document.contains("loader");
      dataset = validate_dataset(wrapped ? document.at("dataset") : document);
    } catch (const ConfigError& error) {
      throw Error(data_file + ": " + error.what());
    }
    auto test = load_dataset(dataset).interactions;
    const size_t dropped = remap_to_model(test, saved.users, saved.items, saved.assembled.model->num_users(),
                                          saved.assembled.model->num_items());
    if (test.size() == 0) {
      throw DataError(data_file + ": none of its " + std::to_string(dropped) +
                      " interactions has a user and an item the model knows");
    }
    if (dropped > 0) {
      std::cerr << "spotlight: " << dropped << " interactions of users or items the model does not know were left out\n";
    }
    split.test = std::move(test);
  }
  const auto metrics = evaluate_model(*saved.assembled.model, saved.assembled.evaluators, split,
                                      experiment.value("threads", int64_t{0}));
  if (as_json) {
    std::cout << nlohmann::json{{"metrics", metrics}}.dump(2) << "\n";
  } else {
    print_metrics(std::cout, metrics);
  }
  return 0;
}

}  // namespace spotlight::cli
