#include "spotlight/framework/checkpoint.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include <torch/serialize.h>

#include "spotlight/framework/atomic_file.h"
#include "spotlight/framework/experiment_data.h"
#include "spotlight/sdk/errors.h"

namespace spotlight {

namespace {

constexpr const char* kFormat = "spotlight-checkpoint";
constexpr int kFormatVersion = 1;

// FNV-1a over the parameter file: enough to notice a truncated or altered model.pt.
std::string checksum(const std::string& bytes) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char byte : bytes) {
    hash ^= byte;
    hash *= 0x100000001b3ULL;
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

nlohmann::json plugin_list(const std::vector<PluginUse>& plugins) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& plugin : plugins) list.push_back({{"name", plugin.name}, {"kind", plugin.kind}, {"version", plugin.version}});
  return list;
}

void check_plugins(const nlohmann::json& recorded, const Registry& registry, const std::filesystem::path& folder) {
  for (const auto& plugin : recorded) {
    const auto name = plugin.at("name").get<std::string>();
    const auto version = plugin.at("version").get<std::string>();
    const PluginRecord* found = registry.find(name);
    if (!found) {
      throw Error(folder.string() + ": the model needs plugin \"" + name + "\" (" + plugin.at("kind").get<std::string>() +
                  " " + version + "), which is not on the plugin search path");
    }
    if (found->version != version) {
      throw Error(folder.string() + ": the model was saved with plugin \"" + name + "\" " + version +
                  ", but the one found is version " + found->version + " (" + found->file.string() + ")");
    }
  }
}

}  // namespace

void save_checkpoint(const std::filesystem::path& folder, const AssembledModel& assembled, const IdMap& users,
                     const IdMap& items, const nlohmann::json& history, const std::string& parameter_file) {
  std::string previous_file;
  if (std::ifstream old(folder / "checkpoint.json"); old) {
    const auto old_metadata = nlohmann::json::parse(old, nullptr, false);
    if (old_metadata.is_object()) previous_file = old_metadata.value("model_file", "model.pt");
  }
  std::filesystem::create_directories(folder);
  torch::serialize::OutputArchive archive;
  assembled.model->save_state(archive);
  std::ostringstream parameters;
  archive.save_to(parameters);
  const nlohmann::json metadata{{"format", kFormat},
                                {"format_version", kFormatVersion},
                                {"experiment", assembled.resolved},
                                {"plugins", plugin_list(assembled.plugins)},
                                {"num_users", assembled.model->num_users()},
                                {"num_items", assembled.model->num_items()},
                                {"epochs", assembled.model->epochs_done()},
                                {"model_file", parameter_file},
                                {"model_checksum", checksum(parameters.str())},
                                {"history", history},
                                {"user_ids", users.raw_ids},
                                {"item_ids", items.raw_ids}};
  // The parameters first: a checkpoint.json is only ever next to the parameters it describes.
  write_file_atomically(folder / parameter_file, parameters.str());
  write_file_atomically(folder / "checkpoint.json", metadata.dump() + "\n");
  if (!previous_file.empty() && previous_file != parameter_file &&
      previous_file.find('/') == std::string::npos) {
    std::error_code ignored;
    std::filesystem::remove(folder / previous_file, ignored);
  }
}

Interactions training_data(const LoadedCheckpoint& saved) {
  auto data = load_experiment_data(saved.assembled.resolved).interactions;
  const auto& model = *saved.assembled.model;
  if (data.num_users != model.num_users() || data.num_items != model.num_items()) {
    throw DataError("the dataset now has " + std::to_string(data.num_users) + " users and " +
                    std::to_string(data.num_items) + " items, the model was trained on " +
                    std::to_string(model.num_users()) + " and " + std::to_string(model.num_items()));
  }
  return data;
}

LoadedCheckpoint load_checkpoint(const std::filesystem::path& folder, const Registry& registry) {
  const auto metadata_file = folder / "checkpoint.json";
  std::ifstream input(metadata_file);
  if (!input) throw Error(folder.string() + ": no checkpoint here (checkpoint.json is missing)");
  LoadedCheckpoint loaded;
  try {
    loaded.metadata = nlohmann::json::parse(input);
  } catch (const nlohmann::json::exception&) {
    throw Error(metadata_file.string() + ": not a readable checkpoint (invalid JSON)");
  }
  const auto& metadata = loaded.metadata;
  if (!metadata.is_object() || metadata.value("format", "") != kFormat) {
    throw Error(metadata_file.string() + ": not a Spotlight checkpoint");
  }
  if (metadata.value("format_version", 0) != kFormatVersion) {
    throw Error(metadata_file.string() + ": checkpoint format version " + metadata.value("format_version", nlohmann::json()).dump() +
                ", this build reads version " + std::to_string(kFormatVersion));
  }
  try {
    check_plugins(metadata.at("plugins"), registry, folder);
    loaded.assembled = assemble_model(metadata.at("experiment"), registry, metadata.at("num_users").get<int64_t>(),
                                      metadata.at("num_items").get<int64_t>());
    loaded.users.raw_ids = metadata.at("user_ids").get<std::vector<std::string>>();
    loaded.items.raw_ids = metadata.at("item_ids").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& error) {
    throw Error(metadata_file.string() + ": a field is missing or has the wrong type: " + error.what());
  } catch (const ConfigError& error) {
    throw Error(metadata_file.string() + ": experiment." + error.path() + ": " + error.reason());
  }
  const std::string file_name = metadata.value("model_file", "model.pt");
  if (file_name.empty() || file_name.find('/') != std::string::npos) {
    throw Error(metadata_file.string() + ": model_file must name a file in the checkpoint's folder");
  }
  const auto parameter_file = folder / file_name;
  std::ifstream parameters(parameter_file, std::ios::binary);
  if (!parameters) throw Error(parameter_file.string() + ": missing or not a readable parameter file");
  std::stringstream bytes;
  bytes << parameters.rdbuf();
  const std::string contents = bytes.str();
  if (checksum(contents) != metadata.value("model_checksum", "")) {
    throw Error(parameter_file.string() + ": checksum mismatch; the file is truncated or was changed after saving");
  }
  torch::serialize::InputArchive archive;
  try {
    std::istringstream stream(contents);
    archive.load_from(stream);
  } catch (const c10::Error&) {
    throw Error(parameter_file.string() + ": missing or not a readable parameter file");
  }
  loaded.assembled.model->load_state(archive);
  return loaded;
}

}  // namespace spotlight
