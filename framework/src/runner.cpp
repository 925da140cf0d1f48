#include "spotlight/framework/runner.h"

#include <chrono>
#include <cstdio>
#include <thread>

#include <ATen/Parallel.h>
#include <torch/utils.h>

#include "spotlight/framework/atomic_file.h"
#include "spotlight/framework/component_graph.h"
#include "spotlight/framework/dataset_loaders.h"
#include "spotlight/framework/experiment.h"
#include "spotlight/framework/model.h"
#include "spotlight/framework/split.h"
#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/evaluator.h"

namespace spotlight {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string format(const char* pattern, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, pattern, value);
  return buffer;
}

TrainTestSplit split_interactions(const Interactions& interactions, const nlohmann::json& split) {
  const double fraction = split.at("test_fraction").get<double>();
  const auto seed = split.at("seed").get<uint64_t>();
  if (split.at("type").get<std::string>() == "user_based") {
    return user_based_train_test_split(interactions, fraction, seed);
  }
  return random_train_test_split(interactions, fraction, seed);
}

// A node under `model` that the model type may need; absent ones stay null.
std::shared_ptr<Component> build_slot(ComponentGraph& graph, const nlohmann::json& model, const char* key,
                                      ComponentKind kind, nlohmann::json& resolved_model) {
  if (!model.contains(key)) return nullptr;
  const std::string path = std::string("model.") + key;
  auto component = graph.build(model.at(key), path, kind);
  const auto& node = model.at(key);
  resolved_model[key] = node.is_string() ? node : graph.resolved(path);
  return component;
}

}  // namespace

RunReport run_experiment(const RunOptions& options, const Registry& registry, std::ostream& progress) {
  nlohmann::json experiment = read_experiment_file(options.experiment_file);
  for (const auto& assignment : options.overrides) apply_override(experiment, assignment);
  nlohmann::json resolved = validate_experiment(experiment);

  RunReport report;
  const std::string name = resolved.value("name", nlohmann::json()).is_string()
                               ? resolved.at("name").get<std::string>()
                               : options.experiment_file.stem().string();
  report.output_dir = options.output_dir.empty() ? std::filesystem::path("runs") / name : options.output_dir;

  const auto threads = resolved.at("threads").get<int64_t>();
  at::set_num_threads(threads > 0 ? static_cast<int>(threads)
                                   : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));

  auto started = Clock::now();
  const LoadedInteractions loaded = load_dataset(resolved.at("dataset"));
  const Interactions& interactions = loaded.interactions;
  if (loaded.skipped_lines > 0) progress << "data: skipped " << loaded.skipped_lines << " malformed lines\n";
  const TrainTestSplit split = split_interactions(interactions, resolved.at("split"));
  progress << "data: " << interactions.num_users << " users, " << interactions.num_items << " items, "
           << split.train.size() << " train / " << split.test.size() << " test interactions ("
           << format("%.2f", seconds_since(started)) << " s)\n";

  const auto& model_config = experiment.at("model");
  nlohmann::json& resolved_model = resolved["model"];
  ModelContext context;
  context.num_users = interactions.num_users;
  context.num_items = interactions.num_items;
  context.embedding_dim = resolved_model.at("embedding_dim").get<int64_t>();
  context.seed = resolved_model.at("seed").get<uint64_t>();
  // Parameter initialisation inside plugins draws from LibTorch's generator.
  torch::manual_seed(context.seed);

  ComponentGraph graph(registry, model_config.value("components", nlohmann::json::object()), "model.components",
                       context);
  graph.build_all_declared();
  ModelParts parts;
  parts.representation = std::static_pointer_cast<Representation>(
      build_slot(graph, model_config, "representation", ComponentKind::representation, resolved_model));
  parts.loss = std::static_pointer_cast<Loss>(build_slot(graph, model_config, "loss", ComponentKind::loss, resolved_model));
  parts.sampler =
      std::static_pointer_cast<Sampler>(build_slot(graph, model_config, "sampler", ComponentKind::sampler, resolved_model));
  resolved_model["components"] = graph.resolved_declarations();

  std::vector<std::shared_ptr<Evaluator>> evaluators;
  nlohmann::json resolved_evaluation = nlohmann::json::array();
  const auto& evaluation = resolved.at("evaluation");
  for (size_t i = 0; i < evaluation.size(); ++i) {
    const std::string path = "evaluation." + std::to_string(i);
    evaluators.push_back(
        std::static_pointer_cast<Evaluator>(graph.build(evaluation.at(i), path, ComponentKind::evaluator)));
    resolved_evaluation.push_back(evaluation.at(i).is_string() ? evaluation.at(i) : graph.resolved(path));
  }
  resolved["evaluation"] = resolved_evaluation;

  TrainingOptions training;
  training.n_iter = resolved_model.at("n_iter").get<int64_t>();
  training.batch_size = resolved_model.at("batch_size").get<int64_t>();
  training.seed = context.seed;
  training.device = resolved_model.at("device").get<std::string>();
  training.optimizer = resolved_model.at("optimizer");
  auto model = make_model(resolved_model.at("type").get<std::string>(), std::move(parts), training,
                          interactions.num_users, interactions.num_items);

  std::filesystem::create_directories(report.output_dir);

  nlohmann::json epochs = nlohmann::json::array();
  int64_t examples = 0;
  double fit_seconds = 0.0;
  model->fit(split.train, [&](const EpochReport& epoch) {
    const double rate = epoch.seconds > 0 ? static_cast<double>(epoch.examples) / epoch.seconds : 0.0;
    progress << "epoch " << epoch.epoch << "/" << epoch.n_iter << "  loss " << format("%.4f", epoch.loss) << "  "
             << format("%.2f", epoch.seconds) << " s  " << format("%.0f", rate) << " interactions/s\n";
    progress.flush();
    epochs.push_back({{"epoch", epoch.epoch}, {"loss", epoch.loss}, {"seconds", epoch.seconds}});
    examples += epoch.examples;
    fit_seconds += epoch.seconds;
  });

  const auto evaluation_started = Clock::now();
  const InteractionMatrix train_matrix = split.train.to_matrix();
  const InteractionMatrix test_matrix = split.test.to_matrix();
  EvaluationData data;
  data.train = &train_matrix;
  data.test = &test_matrix;
  nlohmann::json metrics = nlohmann::json::object();
  for (size_t i = 0; i < evaluators.size(); ++i) {
    for (const auto& metric : evaluators[i]->evaluate(*model, data)) {
      if (metrics.contains(metric.name)) {
        throw ConfigError("evaluation." + std::to_string(i),
                          "metric \"" + metric.name + "\" is already produced by an earlier evaluator");
      }
      metrics[metric.name] = metric.value;
    }
  }
  const double evaluation_seconds = seconds_since(evaluation_started);

  progress << "\n" << std::string(24, '-') << "\n";
  for (const auto& [metric, value] : metrics.items()) {
    std::string label = metric;
    label.resize(std::max<size_t>(label.size() + 1, 16), ' ');
    progress << label << format("%.4f", value.get<double>()) << "\n";
  }
  progress << std::string(24, '-') << "\n";

  report.metrics = {{"metrics", metrics},
                    {"epochs", epochs},
                    {"fit_seconds", fit_seconds},
                    {"interactions_per_second", fit_seconds > 0 ? static_cast<double>(examples) / fit_seconds : 0.0},
                    {"evaluation_seconds", evaluation_seconds},
                    {"data",
                     {{"num_users", interactions.num_users},
                      {"num_items", interactions.num_items},
                      {"train_interactions", split.train.size()},
                      {"test_interactions", split.test.size()}}}};
  report.experiment = resolved;
  write_file_atomically(report.output_dir / "experiment.json", resolved.dump(2) + "\n");
  write_file_atomically(report.output_dir / "metrics.json", report.metrics.dump(2) + "\n");
  progress << "wrote " << (report.output_dir / "metrics.json").string() << " and "
           << (report.output_dir / "experiment.json").string() << "\n";
  return report;
}

}  // namespace spotlight
