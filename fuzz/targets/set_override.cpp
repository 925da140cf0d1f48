// Fuzz target: `spotlight run EXP --set path=value` lines. Each line of the input is one
// --set assignment, applied in order to a small valid experiment that is then validated.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "spotlight/framework/config/experiment.h"

namespace {

// Every host section and a component graph, so paths into all of them resolve.
const char* const kExperiment = R"({
  "name": "fuzz",
  "dataset": {"loader": "synthetic_sequential", "num_users": 20, "num_items": 30, "num_interactions": 200},
  "split": {"type": "user_based", "test_fraction": 0.2, "seed": 1},
  "sequence": {"max_length": 5, "min_length": 2},
  "model": {
    "type": "implicit_sequence",
    "components": {"items": {"plugin": "scaled_embedding", "of": "items", "padding_idx": 0}},
    "representation": {"plugin": "cnn", "item_embedding": "@items", "kernel_width": [3, 2], "num_layers": 2},
    "loss": {"plugin": "bpr"},
    "sampler": {"plugin": "uniform", "num_negative_samples": 3},
    "optimizer": {"type": "adam", "learning_rate": 0.01},
    "embedding_dim": 8, "n_iter": 1, "batch_size": 16
  },
  "evaluation": [{"plugin": "sequence_mrr"}, {"plugin": "precision_recall", "k": [1, 5]}],
  "threads": 1
})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace spotlight;
  static const nlohmann::json base = nlohmann::json::parse(kExperiment);
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  nlohmann::json experiment = base;
  fuzz::expect_refusals([&] {
    for (size_t start = 0; start <= input.size();) {
      const size_t end = std::min(input.find('\n', start), input.size());
      apply_override(experiment, std::string(input.substr(start, end - start)));
      start = end + 1;
    }
    validate_experiment(experiment);
  });
  return 0;
}
