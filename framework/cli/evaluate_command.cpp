#include <iostream>

#include "cli/commands.h"
#include "spotlight/framework/checkpoint.h"
#include "spotlight/framework/experiment_data.h"
#include "spotlight/framework/evaluation.h"
#include "spotlight/sdk/errors.h"

namespace spotlight::cli {

int evaluate_command(Arguments& arguments, const Registry& registry) {
  const std::string folder = arguments.take_value("--model");
  const bool as_json = arguments.take_flag("--json");
  arguments.reject_unknown_options("evaluate");
  if (folder.empty() || arguments.words.size() != 1) throw UsageError("usage: spotlight evaluate --model DIR [--json]");
  auto saved = load_checkpoint(folder, registry);
  const auto& experiment = saved.assembled.resolved;
  const auto data = load_experiment_data(experiment).interactions;
  if (data.num_users != saved.assembled.model->num_users() || data.num_items != saved.assembled.model->num_items()) {
    throw DataError(folder + ": the dataset now has " + std::to_string(data.num_users) + " users and " +
                    std::to_string(data.num_items) + " items, the model was trained on " +
                    std::to_string(saved.assembled.model->num_users()) + " and " +
                    std::to_string(saved.assembled.model->num_items()));
  }
  const auto split = split_as_configured(data, experiment.at("split"));
  const auto metrics = evaluate_model(*saved.assembled.model, saved.assembled.evaluators, split);
  if (as_json) {
    std::cout << nlohmann::json{{"metrics", metrics}}.dump(2) << "\n";
  } else {
    print_metrics(std::cout, metrics);
  }
  return 0;
}

}  // namespace spotlight::cli
