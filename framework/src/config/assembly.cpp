#include "spotlight/framework/config/assembly.h"

#include <torch/utils.h>

#include "spotlight/framework/config/component_graph.h"
#include "spotlight/framework/config/experiment_data.h"
#include "spotlight/framework/data/memory_budget.h"
#include "spotlight/framework/training/model_types.h"
#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/parameters.h"

namespace spotlight {

namespace {

// The optimizer plugin of a model.optimizer that names no "type" (or of a model without
// model.optimizer): the one optimizer the host names, so that experiments written before
// optimizers were plugins keep their meaning. Any other optimizer is named by the experiment.
constexpr const char* kDefaultOptimizer = "adam";

// A node under `model` that the model type may need; absent ones stay null.
std::shared_ptr<Component> build_slot(ComponentGraph& graph, const nlohmann::json& model, const char* key,
                                      ComponentKind kind, nlohmann::json& resolved_model) {
  if (!model.contains(key) || model.at(key).is_null()) return nullptr;
  const std::string path = std::string("model.") + key;
  auto component = graph.build(model.at(key), path, kind);
  const auto& node = model.at(key);
  resolved_model[key] = node.is_string() ? node : graph.resolved(path);
  return component;
}

// The plugin a slot was built from, for messages: its own node's, or the declaration's it refers to.
std::string plugin_name(const ComponentGraph& graph, const std::string& path) {
  const nlohmann::json* node = &graph.resolved(path);
  if (node->is_string() && node->get<std::string>().rfind('@', 0) == 0) {
    node = &graph.resolved(join_path("model.components", node->get<std::string>().substr(1)));
  }
  return node->is_object() && node->contains("plugin") ? node->at("plugin").get<std::string>() : "?";
}

}  // namespace

AssembledModel assemble_model(const nlohmann::json& experiment, const Registry& registry, int64_t num_users,
                              int64_t num_items) {
  AssembledModel assembled;
  assembled.resolved = experiment;
  nlohmann::json& resolved_model = assembled.resolved["model"];
  const auto& model_config = experiment.at("model");

  ModelContext context;
  context.num_users = num_users;
  context.num_items = num_items;
  context.embedding_dim = resolved_model.at("embedding_dim").get<int64_t>();
  context.seed = resolved_model.at("seed").get<uint64_t>();
  // The tables alone (a float per entry, and an optimizer's two moments beside it) must fit:
  // a count and a width that multiply past the machine fail here by name, not in LibTorch.
  const bool sequences = model_type_reads_sequences(resolved_model.at("type").get<std::string>());
  const auto rows = static_cast<uint64_t>(num_items) + (sequences ? 0 : static_cast<uint64_t>(num_users));
  require_memory(std::string("the model's ") + (sequences ? "item table" : "user and item tables") + " (" +
                     std::to_string(rows) + " rows of " + std::to_string(context.embedding_dim) + ")",
                 {rows, static_cast<uint64_t>(context.embedding_dim), 3 * sizeof(float)});
  // Parameter initialisation inside plugins draws from LibTorch's generator.
  torch::manual_seed(context.seed);

  ComponentGraph graph(registry, model_config.value("components", nlohmann::json::object()), "model.components",
                       context);
  graph.build_all_declared();
  ModelParts parts;
  parts.representation = std::static_pointer_cast<Representation>(
      build_slot(graph, model_config, "representation", ComponentKind::representation, resolved_model));
  parts.loss =
      std::static_pointer_cast<Loss>(build_slot(graph, model_config, "loss", ComponentKind::loss, resolved_model));
  parts.sampler = std::static_pointer_cast<Sampler>(
      build_slot(graph, model_config, "sampler", ComponentKind::sampler, resolved_model));
  // model.optimizer names its plugin by "type" ({"type": NAME, ...parameters}), the syntax it
  // had before optimizers were plugins, and may be absent.
  const auto optimizer = model_config.value("optimizer", nlohmann::json::object());
  parts.optimizer = std::static_pointer_cast<Optimizer>(
      graph.build_named_by(optimizer, "model.optimizer", ComponentKind::optimizer, "type", kDefaultOptimizer));
  parts.optimizer_name = graph.resolved("model.optimizer").at("type").get<std::string>();
  if (parts.loss) parts.loss_name = plugin_name(graph, "model.loss");
  if (parts.sampler) parts.sampler_name = plugin_name(graph, "model.sampler");
  resolved_model["optimizer"] = graph.resolved("model.optimizer");
  resolved_model["components"] = graph.resolved_declarations();

  nlohmann::json resolved_evaluation = nlohmann::json::array();
  const auto& evaluation = assembled.resolved.at("evaluation");
  for (size_t i = 0; i < evaluation.size(); ++i) {
    const std::string path = "evaluation." + std::to_string(i);
    assembled.evaluators.push_back(
        std::static_pointer_cast<Evaluator>(graph.build(evaluation.at(i), path, ComponentKind::evaluator)));
    resolved_evaluation.push_back(evaluation.at(i).is_string() ? evaluation.at(i) : graph.resolved(path));
  }
  assembled.resolved["evaluation"] = resolved_evaluation;
  if (assembled.resolved.contains("validation")) {
    auto& validation = assembled.resolved["validation"];
    const auto node = validation.at("evaluator");
    assembled.validation_evaluator =
        std::static_pointer_cast<Evaluator>(graph.build(node, "validation.evaluator", ComponentKind::evaluator));
    validation["evaluator"] = node.is_string() ? node : graph.resolved("validation.evaluator");
  }

  for (const PluginRecord* plugin : graph.plugins_used()) {
    assembled.plugins.push_back({plugin->name, to_string(plugin->kind), plugin->version});
  }

  TrainingOptions training;
  training.n_iter = resolved_model.at("n_iter").get<int64_t>();
  training.batch_size = resolved_model.at("batch_size").get<int64_t>();
  training.hand_gradients = resolved_model.at("hand_gradients").get<bool>();
  training.seed = context.seed;
  training.device = resolved_model.at("device").get<std::string>();
  training.threads = assembled.resolved.at("threads").get<int64_t>();
  if (assembled.resolved.contains("sequence")) training.sequence = sequence_options(assembled.resolved.at("sequence"));
  assembled.model = make_model(resolved_model.at("type").get<std::string>(), std::move(parts), training, num_users,
                               num_items);
  return assembled;
}

}  // namespace spotlight
