#include "fuzz_support.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "spotlight/registry/registry.h"
#include "spotlight/sdk/parameters.h"

namespace spotlight::fuzz {

namespace {

class ScratchFolder {
 public:
  ScratchFolder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "spotlight-fuzz-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror(("fuzz: cannot create a scratch folder " + pattern).c_str());
      std::abort();
    }
    path_ = pattern;
  }
  ~ScratchFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The budget of within_memory_budget().
constexpr int64_t kWidthBudget = 256;  // embedding widths, factors (a table's columns)
constexpr int64_t kCountBudget = 16;   // layers, kernel widths, taste vectors (repeat a width-by-width block)

bool over_budget(const nlohmann::json& value, int64_t budget, int64_t limit) {
  if (value.is_array()) {
    return std::any_of(value.begin(), value.end(),
                       [&](const nlohmann::json& element) { return over_budget(element, budget, limit); });
  }
  if (!value.is_number_integer()) return false;
  const auto size = value.get<double>();  // 2^63 and above too, which are beyond any limit
  return size > static_cast<double>(budget) && size <= static_cast<double>(limit);
}

}  // namespace

const std::filesystem::path& scratch_folder() {
  static const ScratchFolder folder;
  return folder.path();
}

ScratchFile::ScratchFile(const std::filesystem::path& relative, std::string_view contents)
    : path_(scratch_folder() / relative) {
  std::filesystem::create_directories(path_.parent_path());
  std::ofstream out(path_, std::ios::binary | std::ios::trunc);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  if (!out) {
    std::fprintf(stderr, "fuzz: cannot write %s\n", path_.c_str());
    std::abort();
  }
}

ScratchFile::~ScratchFile() {
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

const Registry& shipped_plugins() {
  static const Registry* registry = [] {
    auto* loaded = new Registry();  // never destroyed: components may outlive static destruction order
    loaded->discover({SPOTLIGHT_FUZZ_PLUGIN_DIR});
    for (const auto& refusal : loaded->refusals()) {
      std::fprintf(stderr, "fuzz: plugin library %s refused: %s\n", refusal.file.c_str(), refusal.reason.c_str());
    }
    if (!loaded->refusals().empty() || loaded->plugins().empty()) {
      std::fprintf(stderr, "fuzz: the shipped plugins in %s did not load; build them first\n",
                   SPOTLIGHT_FUZZ_PLUGIN_DIR);
      std::abort();
    }
    return loaded;
  }();
  return *registry;
}

bool within_memory_budget(const nlohmann::json& node) {
  if (node.is_array()) return std::all_of(node.begin(), node.end(), within_memory_budget);
  if (!node.is_object()) return true;
  for (const auto& [key, value] : node.items()) {
    if ((key == "embedding_dim" || key == "dim" || key == "factors") &&
        over_budget(value, kWidthBudget, spotlight::kMaxWidth)) {
      return false;
    }
    if ((key == "num_layers" || key == "kernel_width" || key == "num_mixtures") &&
        over_budget(value, kCountBudget, spotlight::kMaxCount)) {
      return false;
    }
    if (!within_memory_budget(value)) return false;
  }
  return true;
}

void refuse_plugin_failures(const std::function<void()>& body) {
  try {
    body();
  } catch (const Error& error) {
    const std::string message = error.what();
    if (message.find("\" failed to build: ") != std::string::npos ||
        message.find("\" built nothing") != std::string::npos) {
      std::fprintf(stderr, "fuzz: a shipped plugin failed instead of refusing its parameters: %s\n", error.what());
      std::abort();
    }
    throw;
  }
}

}  // namespace spotlight::fuzz
