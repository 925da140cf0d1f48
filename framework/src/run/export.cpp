#include "spotlight/framework/run/export.h"

#include <unistd.h>

#include <fstream>

#include <torch/torch.h>

#include "spotlight/framework/run/atomic_file.h"
#include "spotlight/framework/run/recommend.h"
#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/exposed_tables.h"

namespace spotlight {

namespace {

namespace fs = std::filesystem;

constexpr const char* kFormat = "spotlight-export";

std::string id_lines(const IdMap& map, int64_t count, const char* what) {
  std::string text;
  for (int64_t id = 0; id < count; ++id) {
    const std::string raw = map.empty() ? std::to_string(id) : map.raw_ids.at(static_cast<size_t>(id));
    if (raw.find_first_of("\r\n") != std::string::npos) {
      throw DataError(std::string("a ") + what + " id holds a line break; the id files hold one id per line");
    }
    text += raw;
    text += '\n';
  }
  return text;
}

bool is_earlier_export(const fs::path& folder) {
  std::error_code error;
  if (!fs::is_directory(folder, error)) return false;
  if (fs::is_empty(folder, error)) return true;
  std::ifstream manifest(folder / "manifest.json");
  if (!manifest) return false;
  try {
    const auto parsed = nlohmann::json::parse(manifest);
    return parsed.is_object() && parsed.value("format", "") == kFormat;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

}  // namespace

std::string npy_bytes(const torch::Tensor& values) {
  TORCH_CHECK(values.scalar_type() == torch::kFloat32 && values.dim() >= 1 && values.dim() <= 2,
              "npy_bytes takes a float32 tensor of one or two dimensions");
  const auto table = values.contiguous();
  std::string shape = "(" + std::to_string(table.size(0)) + (table.dim() == 1 ? ",)" : ", " + std::to_string(table.size(1)) + ")");
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
  // Magic (6) + version (2) + length (2) + header, padded with spaces to a multiple of 64 and ended by \n.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string bytes = "\x93NUMPY";
  bytes += '\x01';
  bytes += '\x00';
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>((header.size() >> 8) & 0xff);
  bytes += header;
  static_assert(sizeof(float) == 4, "float32 tables");
  bytes.append(reinterpret_cast<const char*>(table.data_ptr<float>()), static_cast<size_t>(table.numel()) * 4);
  return bytes;
}

nlohmann::ordered_json export_model(LoadedCheckpoint& saved, const fs::path& folder) {
  auto& model = *saved.assembled.model;
  auto* exposed = dynamic_cast<ExposesTables*>(&model.representation());
  if (exposed == nullptr) {
    throw Error("the model's representation \"" + representation_plugin(saved) +
                "\" does not expose its tables, so there is nothing to export");
  }
  if (folder.empty()) throw Error("--output needs a folder name");
  if (fs::exists(folder) && !is_earlier_export(folder)) {
    throw Error(folder.string() + ": exists and holds something other than an export; give a new or empty folder");
  }
  torch::NoGradGuard no_grad;
  const auto tables = exposed->exposed_tables();
  const auto users = id_lines(saved.users, model.num_users(), "user");
  const auto items = id_lines(saved.items, model.num_items(), "item");

  nlohmann::ordered_json manifest{{"format", kFormat},
                          {"version", 1},
                          {"model_type", saved.assembled.resolved.at("model").at("type")},
                          {"representation", representation_plugin(saved)},
                          {"num_users", model.num_users()},
                          {"num_items", model.num_items()},
                          {"ids", {{"users", "users.txt"}, {"items", "items.txt"}}},
                          {"tables", nlohmann::ordered_json::array()}};
  if (model.user_input() == UserInput::item_history) manifest["padding_item"] = 0;

  // Everything goes to a staging folder beside the target, renamed into place at the end.
  const fs::path absolute = fs::absolute(folder).lexically_normal();
  const fs::path target = absolute.has_filename() ? absolute : absolute.parent_path();
  fs::path staging = target;
  staging += ".staging-" + std::to_string(::getpid());
  fs::remove_all(staging);
  fs::create_directories(staging);
  try {
    for (const auto& table : tables) {
      const int64_t expected = table.rows == TableRows::users ? model.num_users() : model.num_items();
      if (table.values.dim() < 1 || table.values.size(0) != expected) {
        throw Error("the representation's table \"" + table.name + "\" has " +
                    std::to_string(table.values.dim() < 1 ? 0 : table.values.size(0)) + " rows for " +
                    std::to_string(expected) + " " + to_string(table.rows));
      }
      const std::string file = table.name + ".npy";
      write_file_atomically(staging / file, npy_bytes(table.values.to(torch::kCPU, torch::kFloat32)));
      manifest["tables"].push_back({{"name", table.name},
                                    {"file", file},
                                    {"rows", to_string(table.rows)},
                                    {"shape", table.values.sizes().vec()},
                                    {"dtype", "float32"}});
    }
    write_file_atomically(staging / "users.txt", users);
    write_file_atomically(staging / "items.txt", items);
    write_file_atomically(staging / "manifest.json", manifest.dump(2) + "\n");
    if (fs::exists(target)) {
      fs::path previous = target;
      previous += ".previous-" + std::to_string(::getpid());
      fs::rename(target, previous);
      fs::rename(staging, target);
      fs::remove_all(previous);
    } else {
      fs::rename(staging, target);
    }
  } catch (const fs::filesystem_error& error) {
    fs::remove_all(staging);
    throw Error(folder.string() + ": cannot write the export: " + error.code().message());
  } catch (...) {
    fs::remove_all(staging);
    throw;
  }
  return manifest;
}

}  // namespace spotlight
