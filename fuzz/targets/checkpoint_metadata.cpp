// Fuzz target: a checkpoint's checkpoint.json, as `spotlight evaluate --model DIR` and
// `spotlight recommend` read it: format checks, the plugins it names, the model rebuilt
// from its resolved experiment for its numbers of users and items. The folder holds no
// model.pt, so an input that gets that far ends in the expected "missing parameter file".
// As in experiment_assembly, a shipped plugin that "failed to build" is a finding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.h"
#include "model_building.h"

namespace {

// The number of users or items above which a checkpoint is only read, not rebuilt: tables of
// a million rows are a valid request the fuzzer has no memory for (see within_memory_budget).
// Counts the product must refuse (not integers, below 1, 2^63 and above) still go through.
constexpr int64_t kRowBudget = 1000;

bool within_row_budget(const nlohmann::json& metadata, const char* key) {
  const auto found = metadata.find(key);
  // 2^63 and above read as negative numbers here, as they do in the product.
  return found == metadata.end() || !found->is_number_integer() || found->get<int64_t>() <= kRowBudget;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace spotlight;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto metadata = nlohmann::json::parse(text, nullptr, false);
  if (metadata.is_object()) {
    const auto experiment = metadata.find("experiment");
    if (!within_row_budget(metadata, "num_users") || !within_row_budget(metadata, "num_items") ||
        (experiment != metadata.end() && !fuzz::within_memory_budget(*experiment))) {
      return 0;
    }
  }
  const fuzz::ScratchFile file("checkpoint/checkpoint.json", text);
  fuzz::expect_refusals(
      [&] { fuzz::refuse_plugin_failures([&] { fuzz::load_checkpoint_and_release(file.path().parent_path()); }); });
  return 0;
}
