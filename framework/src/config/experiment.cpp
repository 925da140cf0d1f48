#include "spotlight/framework/config/experiment.h"

#include "spotlight/framework/data/bounded_file.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "spotlight/framework/data/dataset_loaders.h"
#include "spotlight/framework/training/model_types.h"
#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/parameters.h"
#include "src/config/json_text.h"
#include "src/data/utf8.h"

namespace spotlight {

namespace {

const std::vector<std::string> kTopLevelKeys{"version",    "name",       "dataset", "split",     "sequence",
                                             "model",      "evaluation", "threads", "validation"};

ParameterList top_level_schema() {
  return {Parameter::integer("version", 1, "Experiment schema version").at_least(1).at_most(1),
          Parameter::text("name", std::nullopt, "A name for the run (default: the file name)").optional(),
          Parameter::integer("threads", 0, "Compute threads; 0: one for training, every core for evaluation")
              .at_least(0)
              .at_most(kMaxCount)};
}

ParameterList split_schema() {
  return {Parameter::text("type", "random", "How interactions are split into train and test")
              .one_of({"random", "user_based"}),
          Parameter::number("test_fraction", 0.2, "Fraction of interactions (or users) held out").greater_than(0).at_most(0.99),
          Parameter::integer("seed", 42, "Seed of the split").at_least(0)};
}

ParameterList model_schema() {
  return {Parameter::text("type", std::nullopt, "The model: how the components are trained").one_of(model_type_names()),
          Parameter::integer("embedding_dim", 32, "Default width of embeddings (components may override)")
              .at_least(1)
              .at_most(kMaxWidth),
          Parameter::integer("n_iter", 10, "Number of epochs").at_least(1),
          Parameter::integer("batch_size", 256, "Minibatch size").at_least(1),
          Parameter::integer("seed", 42, "Seed of initialisation, shuffling and negative sampling").at_least(0),
          Parameter::text("device", "cpu", "Where to train: cpu, or cuda with a CUDA build of LibTorch")
              .one_of({"cpu", "cuda"}),
          Parameter::boolean("hand_gradients", true,
                             "Let a representation and loss that differentiate by hand skip autograd (false: always "
                             "autograd; same results up to float rounding)")};
}

ParameterList validation_schema() {
  return {Parameter::number("fraction", 0.1, "Fraction of the training interactions (or users, with a user_based "
                                              "split) held out to watch; split like the test set, seeded split.seed + 1")
              .greater_than(0)
              .at_most(0.9),
          Parameter::text("metric", std::nullopt,
                          "The metric to watch, as the evaluator names it (default: the evaluator's only metric)")
              .optional(),
          Parameter::integer("patience", 5, "Epochs without improvement before training stops").at_least(1),
          Parameter::text("direction", "maximize", "Whether higher or lower is better").one_of({"maximize", "minimize"})};
}

ParameterList sequence_schema() {
  return {Parameter::integer("max_length", 10, "Window length: longer histories are cut, shorter ones left-padded")
              .at_least(1)
              .at_most(kMaxWidth),
          Parameter::integer("min_length", std::nullopt, "Drop windows with fewer items (default: keep all)")
              .at_least(1)
              .optional(),
          Parameter::integer("step_size", std::nullopt, "Items between window ends (default: max_length)")
              .at_least(1)
              .optional()};
}

// The model keys whose values are plugin nodes (the optimizer's names its plugin by "type"):
// the component graph checks them against their plugins' schemas when the model is assembled.
const std::vector<std::string> kModelNodeKeys{"components", "representation", "loss", "sampler", "optimizer"};

nlohmann::json validate_dataset_at(const nlohmann::json& dataset) {
  const std::string path = "dataset";
  if (!dataset.is_object()) throw ConfigError(path, "expected an object, got " + dataset.dump());
  std::vector<std::string> names;
  for (const auto& loader : dataset_loaders()) names.push_back(loader.name);
  auto loader_only = validate_parameters(
      nlohmann::json{{"loader", dataset.value("loader", nlohmann::json())}},
      {Parameter::text("loader", std::nullopt, "How interactions are obtained").one_of(names)}, path);
  const auto* loader = find_dataset_loader(loader_only.at("loader").get<std::string>());
  auto resolved = validate_parameters(dataset, loader->parameters, path, {"loader"});
  if (loader->check) loader->check(resolved);
  return resolved;
}

void check_keys(const nlohmann::json& node, const std::vector<std::string>& known, const std::string& path) {
  for (const auto& [key, value] : node.items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string suggestion = closest_name(key, known);
    throw ConfigError(join_path(path, key),
                      suggestion.empty() ? "unknown key" : "unknown key (did you mean \"" + suggestion + "\"?)");
  }
}

nlohmann::json parse_override_value(const std::string& text) {
  try {
    return parse_json_text(text);
  } catch (const JsonTextError&) {
    return text;
  }
}

// A NUL cannot be part of a path or a name (the system would cut the string there, and a
// path check would look at another file than the one opened), nor of any other value.
// Nesting is bounded when the text is parsed, so the recursion is too.
void refuse_nul_bytes(const nlohmann::json& node, const std::string& path) {
  if (node.is_string()) {
    if (node.get_ref<const std::string&>().find('\0') != std::string::npos) {
      throw ConfigError(path, "contains a NUL byte (\\u0000)");
    }
  } else if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (key.find('\0') != std::string::npos) throw ConfigError(path, "a key contains a NUL byte (\\u0000)");
      refuse_nul_bytes(value, join_path(path, key));
    }
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) refuse_nul_bytes(node.at(i), join_path(path, std::to_string(i)));
  }
}

}  // namespace

nlohmann::json read_experiment_file(const std::filesystem::path& file) {
  // An experiment is a page of JSON; 16 MiB leaves room for generated grids of searches.
  const std::string text = read_bounded_file(file, "the experiment file", 16ull << 20);
  try {
    return parse_json_text(text);
  } catch (const JsonTextError& error) {
    const std::string where =
        error.line == 0 ? "" : ":" + std::to_string(error.line) + ":" + std::to_string(error.column);
    throw Error(file.string() + where + ": invalid JSON: " + error.reason);
  }
}

void apply_override(nlohmann::json& experiment, const std::string& assignment) {
  if (!is_utf8(assignment)) throw Error("--set: the assignment is not UTF-8 text");
  const auto equals = assignment.find('=');
  if (equals == std::string::npos || equals == 0) {
    throw Error("--set " + assignment + ": expected path.to.key=value");
  }
  const std::string path = assignment.substr(0, equals);
  nlohmann::json* node = &experiment;
  std::string walked;
  size_t start = 0;
  for (;;) {
    size_t dot = path.find('.', start);
    const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (key.empty()) throw Error("--set " + assignment + ": empty key in \"" + path + "\"");
    walked = join_path(walked, key);
    if (node->is_array()) {
      size_t index = 0;
      try {
        size_t used = 0;
        index = std::stoul(key, &used);
        if (used != key.size()) throw std::invalid_argument(key);
      } catch (const std::exception&) {
        throw Error("--set " + assignment + ": " + walked + " indexes a list; expected a number");
      }
      if (index >= node->size()) {
        throw Error("--set " + assignment + ": " + walked + " is past the end of a list of " +
                    std::to_string(node->size()));
      }
      node = &(*node)[index];
    } else if (node->is_object() || node->is_null()) {
      node = &(*node)[key];
    } else {
      throw Error("--set " + assignment + ": " + walked + " is inside a value that is not an object");
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  *node = parse_override_value(assignment.substr(equals + 1));
}

nlohmann::json validate_experiment(const nlohmann::json& experiment) {
  if (!experiment.is_object()) throw ConfigError("", "an experiment must be a JSON object");
  refuse_nul_bytes(experiment, "");
  check_keys(experiment, kTopLevelKeys, "");
  nlohmann::json top;
  for (const auto& key : {"version", "name", "threads"}) {
    if (experiment.contains(key)) top[key] = experiment.at(key);
  }
  nlohmann::json resolved = validate_parameters(top.is_null() ? nlohmann::json::object() : top, top_level_schema(), "");
  if (!experiment.contains("dataset")) throw ConfigError("dataset", "missing; expected an object with a \"loader\"");
  resolved["dataset"] = validate_dataset_at(experiment.at("dataset"));
  resolved["split"] = validate_parameters(experiment.value("split", nlohmann::json::object()), split_schema(), "split");

  if (!experiment.contains("model")) throw ConfigError("model", "missing; expected an object with a \"type\"");
  const auto& model = experiment.at("model");
  if (!model.is_object()) throw ConfigError("model", "expected an object, got " + model.dump());
  nlohmann::json model_resolved =
      validate_parameters(model, model_schema(), "model", kModelNodeKeys);
  if (model.contains("components") && !model.at("components").is_object()) {
    throw ConfigError("model.components", "expected an object mapping names to {\"plugin\": ...} nodes");
  }
  resolved["model"] = model_resolved;

  const std::string type = model_resolved.at("type").get<std::string>();
  // A part the model never uses would look configured and do nothing.
  if (!model_type_samples_negatives(type) && model.contains("sampler") && !model.at("sampler").is_null()) {
    throw ConfigError("model.sampler", "model.type \"" + type +
                                           "\" does not sample negatives (it trains on observed ratings); remove it");
  }
  if (model_type_reads_sequences(type)) {
    resolved["sequence"] =
        validate_parameters(experiment.value("sequence", nlohmann::json::object()), sequence_schema(), "sequence");
    const auto& sequence = resolved.at("sequence");
    if (sequence.contains("min_length") && !sequence.at("min_length").is_null() &&
        sequence.at("min_length").get<int64_t>() > sequence.at("max_length").get<int64_t>()) {
      throw ConfigError("sequence.min_length", "must not exceed sequence.max_length (" +
                                                   sequence.at("max_length").dump() + ")");
    }
  } else if (experiment.contains("sequence")) {
    throw ConfigError("sequence", "only sequence models read it; model.type \"" + type +
                                      "\" trains on interactions (remove it, or use implicit_sequence)");
  }

  const auto evaluation = experiment.value("evaluation", nlohmann::json::array());
  if (!evaluation.is_array()) throw ConfigError("evaluation", "expected a list of evaluator nodes, got " + evaluation.dump());
  resolved["evaluation"] = evaluation;
  if (experiment.contains("validation")) {
    const auto& validation = experiment.at("validation");
    if (!validation.is_object()) throw ConfigError("validation", "expected an object, got " + validation.dump());
    nlohmann::json settings = validation;
    settings.erase("evaluator");
    resolved["validation"] = validate_parameters(settings, validation_schema(), "validation");
    // The evaluator node is built with the model's graph; by default it is the first evaluation entry.
    if (validation.contains("evaluator")) {
      resolved["validation"]["evaluator"] = validation.at("evaluator");
    } else if (!evaluation.empty()) {
      resolved["validation"]["evaluator"] = evaluation.at(0);
    } else {
      throw ConfigError("validation.evaluator", "missing; name one, or list an evaluator under evaluation");
    }
  }
  return resolved;
}

nlohmann::json validate_dataset(const nlohmann::json& dataset) {
  refuse_nul_bytes(dataset, "dataset");
  return validate_dataset_at(dataset);
}

}  // namespace spotlight
