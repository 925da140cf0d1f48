#pragma once

#include <filesystem>
#include <sstream>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "spotlight/framework/config/component_graph.h"
#include "spotlight/framework/run/runner.h"
#include "spotlight/registry/registry.h"

namespace spotlight::testing {

// Builds shipped plugins from JSON nodes, exactly as an experiment would.
class PluginTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    registry_ = new Registry();
    registry_->discover({SPOTLIGHT_PLUGIN_DIR});
  }
  static void TearDownTestSuite() {
    delete registry_;
    registry_ = nullptr;
  }

  template <class Interface>
  std::shared_ptr<Interface> build(const nlohmann::json& node, ComponentKind kind, ModelContext context = {},
                                   const nlohmann::json& declared = nlohmann::json::object()) {
    ComponentGraph graph(*registry_, declared, "model.components", context);
    return std::static_pointer_cast<Interface>(graph.build(node, "node", kind));
  }

  // Runs `experiment` end to end as `spotlight run` does, writing into `output`.
  RunReport run_experiment_in(const std::filesystem::path& output, const nlohmann::json& experiment) {
    std::ostringstream progress;
    RunOptions options;
    options.output_dir = output;
    return run_loaded_experiment(experiment, options, *registry_, progress);
  }

  static inline Registry* registry_ = nullptr;
};

}  // namespace spotlight::testing
