#include "model_building.h"

#include "fuzz_support.h"
#include "spotlight/framework/config/assembly.h"
#include "spotlight/framework/config/experiment.h"
#include "spotlight/framework/run/checkpoint.h"

namespace spotlight::fuzz {

void assemble_and_release(const nlohmann::json& experiment, int64_t num_users, int64_t num_items) {
  assemble_model(validate_experiment(experiment), shipped_plugins(), num_users, num_items);
}

void load_checkpoint_and_release(const std::filesystem::path& folder) { load_checkpoint(folder, shipped_plugins()); }

}  // namespace spotlight::fuzz
