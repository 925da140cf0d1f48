#include "spotlight/framework/run/checkpoint.h"

#include <array>
#include <cstdio>
#include <optional>
#include <fstream>
#include <sstream>
#include <string_view>
#include <unordered_set>

#include <torch/serialize.h>

#include "spotlight/framework/config/experiment.h"
#include "spotlight/framework/data/bounded_file.h"
#include "spotlight/framework/run/atomic_file.h"
#include "spotlight/framework/config/experiment_data.h"
#include "spotlight/sdk/errors.h"
#include "src/config/json_text.h"

namespace spotlight {

namespace {

constexpr const char* kFormat = "spotlight-checkpoint";
constexpr int kFormatVersion = 1;

// FNV-1a over the parameter file: enough to notice a truncated or altered model.pt.
// FNV-1a, 64 bits, over bytes given in pieces.
class Checksum {
 public:
  void add(const void* data, size_t size) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < size; ++i) {
      hash_ ^= bytes[i];
      hash_ *= 0x100000001b3ULL;
    }
  }
  std::string hex() const {
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash_));
    return text;
  }

 private:
  uint64_t hash_ = 0xcbf29ce484222325ULL;
};

std::string checksum(const std::string& bytes) {
  Checksum sum;
  sum.add(bytes.data(), bytes.size());
  return sum.hex();
}

nlohmann::json plugin_list(const std::vector<PluginUse>& plugins) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& plugin : plugins) list.push_back({{"name", plugin.name}, {"kind", plugin.kind}, {"version", plugin.version}});
  return list;
}

// "1.4.2" -> {1, 4, 2}; nothing for anything that is not three dot-separated numbers.
std::optional<std::array<long, 3>> semantic_version(const std::string& text) {
  std::array<long, 3> parts{};
  size_t start = 0;
  for (size_t i = 0; i < 3; ++i) {
    const size_t end = i < 2 ? text.find('.', start) : text.size();
    if (end == std::string::npos || end == start || end - start > 9) return std::nullopt;
    for (size_t c = start; c < end; ++c) {
      if (text[c] < '0' || text[c] > '9') return std::nullopt;
    }
    parts[i] = std::stol(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

// Every plugin of the checkpoint is on the path in a version that loads it (plugin_version_loads).
void check_plugins(const nlohmann::json& recorded, const Registry& registry, const std::filesystem::path& folder) {
  for (const auto& plugin : recorded) {
    const auto name = plugin.at("name").get<std::string>();
    const auto version = plugin.at("version").get<std::string>();
    const PluginRecord* found = registry.find(name);
    if (!found) {
      throw Error(folder.string() + ": the model needs plugin \"" + name + "\" (" + plugin.at("kind").get<std::string>() +
                  " " + version + "), which is not on the plugin search path");
    }
    if (plugin_version_loads(version, found->version)) continue;
    const auto saved = semantic_version(version), present = semantic_version(found->version);
    const std::string why = saved && present && (*saved)[0] != (*present)[0]
                                ? "another major version, which may read its parameters differently"
                                : "not a later release of the same major version";
    throw Error(folder.string() + ": the model was saved with plugin \"" + name + "\" " + version +
                ", but the one found is version " + found->version + " (" + found->file.string() + "), " + why);
  }
}

}  // namespace

bool plugin_version_loads(const std::string& saved, const std::string& found) {
  if (saved == found) return true;
  const auto saved_version = semantic_version(saved), found_version = semantic_version(found);
  return saved_version && found_version && (*saved_version)[0] == (*found_version)[0] && *found_version > *saved_version;
}

void save_checkpoint(const std::filesystem::path& folder, const AssembledModel& assembled, const IdMap& users,
                     const IdMap& items, const nlohmann::json& history, const std::string& parameter_file) {
  // The parameter file the checkpoint being replaced names, removed once the new one is written.
  std::string previous_file;
  if (std::ifstream old(folder / "checkpoint.json"); old) {
    std::stringstream text;
    text << old.rdbuf();
    try {
      const auto old_metadata = parse_json_text(text.str());
      if (old_metadata.is_object()) {
        const auto named = old_metadata.find("model_file");
        if (named == old_metadata.end()) {
          previous_file = "model.pt";
        } else if (named->is_string()) {
          previous_file = named->get<std::string>();
        }
      }
    } catch (const JsonTextError&) {
      // An unreadable old checkpoint names no file to remove.
    }
  }
  std::filesystem::create_directories(folder);
  torch::serialize::OutputArchive archive;
  assembled.model->save_state(archive);
  // The parameters first, streamed to their file (no copy of them in memory): a
  // checkpoint.json is only ever next to the parameters it describes.
  Checksum parameters_checksum;
  {
    AtomicOutputFile parameters(folder / parameter_file);
    archive.save_to([&](const void* data, size_t size) {
      parameters.write(std::string_view(static_cast<const char*>(data), size));
      parameters_checksum.add(data, size);
      return size;
    });
    parameters.commit();
  }
  const nlohmann::json metadata{{"format", kFormat},
                                {"format_version", kFormatVersion},
                                {"experiment", assembled.resolved},
                                {"plugins", plugin_list(assembled.plugins)},
                                {"num_users", assembled.model->num_users()},
                                {"num_items", assembled.model->num_items()},
                                {"epochs", assembled.model->epochs_done()},
                                {"model_file", parameter_file},
                                {"model_checksum", parameters_checksum.hex()},
                                {"history", history},
                                {"user_ids", users.raw_ids},
                                {"item_ids", items.raw_ids}};
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

namespace {

// A checkpoint's raw ids by dense id: none (the ids are the numbers themselves) or one per
// row of the table, each different (a sequence model's item list starts with the padding
// id's empty entry). Anything else is an edited file, and would map ids to the wrong rows.
void check_raw_ids(const IdMap& ids, int64_t count, const std::string& what, const std::filesystem::path& file) {
  if (ids.empty()) return;
  if (static_cast<int64_t>(ids.raw_ids.size()) != count) {
    throw Error(file.string() + ": " + what + "_ids has " + std::to_string(ids.raw_ids.size()) + " ids for num_" +
                what + "s " + std::to_string(count));
  }
  std::unordered_set<std::string_view> seen;
  seen.reserve(ids.raw_ids.size());
  for (size_t i = 0; i < ids.raw_ids.size(); ++i) {
    const auto& id = ids.raw_ids[i];
    if (id.empty() && i == 0) continue;  // the padding id
    if (id.empty() || !seen.insert(id).second) {
      throw Error(file.string() + ": " + what + "_ids holds " + (id.empty() ? "an empty id" : "\"" + id + "\" twice"));
    }
  }
}

}  // namespace

LoadedCheckpoint load_checkpoint(const std::filesystem::path& folder, const Registry& registry) {
  const auto metadata_file = folder / "checkpoint.json";
  std::error_code missing;
  if (!std::filesystem::exists(metadata_file, missing)) {
    throw Error(folder.string() + ": no checkpoint here (checkpoint.json is missing)");
  }
  LoadedCheckpoint loaded;
  try {
    // The metadata holds every raw id: 1 GiB is far above any real dataset's.
    loaded.metadata = parse_json_text(read_bounded_file(metadata_file, "checkpoint metadata", 1ull << 30));
  } catch (const JsonTextError&) {
    throw Error(metadata_file.string() + ": not a readable checkpoint (invalid JSON)");
  }
  const auto& metadata = loaded.metadata;
  // A field as written, null when absent. Compared as JSON values, never converted: a hand-edited
  // "format": 1 must not throw the JSON library's type error.
  const auto field = [&](const char* key) {
    const auto found = metadata.find(key);
    return found == metadata.end() ? nlohmann::json() : *found;
  };
  if (!metadata.is_object() || field("format") != kFormat) {
    throw Error(metadata_file.string() + ": not a Spotlight checkpoint");
  }
  if (field("format_version") != kFormatVersion) {
    throw Error(metadata_file.string() + ": checkpoint format version " + field("format_version").dump() +
                ", this build reads version " + std::to_string(kFormatVersion));
  }
  // The numbers of users and items size the model's tables.
  const auto count = [&](const char* key) {
    const auto value = field(key);
    // 2^63 and above read as negative int64 values, so they are refused too.
    if (!value.is_number_integer() || value.get<int64_t>() < 1) {
      throw Error(metadata_file.string() + ": " + key + " must be a positive integer, got " + value.dump());
    }
    return value.get<int64_t>();
  };
  try {
    check_plugins(metadata.at("plugins"), registry, folder);
    // Everything the counts size is cross-checked before the model's tables are allocated.
    const int64_t num_users = count("num_users"), num_items = count("num_items");
    loaded.users.raw_ids = metadata.at("user_ids").get<std::vector<std::string>>();
    loaded.items.raw_ids = metadata.at("item_ids").get<std::vector<std::string>>();
    check_raw_ids(loaded.users, num_users, "user", metadata_file);
    check_raw_ids(loaded.items, num_items, "item", metadata_file);
    loaded.assembled = assemble_model(validate_experiment(metadata.at("experiment")), registry, num_users, num_items);
  } catch (const nlohmann::json::exception& error) {
    throw Error(metadata_file.string() + ": a field is missing or has the wrong type: " + error.what());
  } catch (const ConfigError& error) {
    throw Error(metadata_file.string() + ": experiment." + error.path() + ": " + error.reason());
  }
  const nlohmann::json model_file = field("model_file").is_null() ? nlohmann::json("model.pt") : field("model_file");
  const std::string file_name = model_file.is_string() ? model_file.get<std::string>() : "";
  if (file_name.empty() || file_name == "." || file_name == ".." || file_name.find('/') != std::string::npos) {
    throw Error(metadata_file.string() + ": model_file must name a file in the checkpoint's folder");
  }
  const auto parameter_file = folder / file_name;
  std::error_code unreadable;
  if (!std::filesystem::exists(parameter_file, unreadable)) {
    throw Error(parameter_file.string() + ": missing or not a readable parameter file");
  }
  const std::string contents = read_bounded_file(parameter_file, "the parameter file", 64ull << 30);
  if (field("model_checksum") != checksum(contents)) {
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
