// Fuzz target: an experiment file, read, validated and assembled into a model with the
// shipped plugins, the path `spotlight run` takes once its data is loaded (here a dataset
// of 20 users and 30 items). Refusals (spotlight::Error) are expected; any other exception,
// crash, sanitizer report, hang or runaway allocation is a finding. So is a shipped plugin
// that "failed to build": its factory threw something other than a ConfigError (LibTorch's
// "can't allocate memory" for a width of 10^12, "negative dimension" for one that wrapped
// around), meaning the schema let through a value the plugin cannot use.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.h"
#include "model_building.h"
#include "spotlight/framework/config/experiment.h"

namespace {

constexpr int64_t kUsers = 20;
constexpr int64_t kItems = 30;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace spotlight;
  const fuzz::ScratchFile file("experiment.json", std::string_view(reinterpret_cast<const char*>(data), size));
  fuzz::expect_refusals([&] {
    const nlohmann::json experiment = read_experiment_file(file.path());
    validate_experiment(experiment);
    if (!fuzz::within_memory_budget(experiment)) return;
    fuzz::refuse_plugin_failures([&] { fuzz::assemble_and_release(experiment, kUsers, kItems); });
  });
  return 0;
}
