#include "spotlight/framework/config/experiment_data.h"

#include "spotlight/framework/data/dataset_loaders.h"
#include "spotlight/framework/training/model_types.h"

namespace spotlight {

LoadedInteractions load_experiment_data(const nlohmann::json& resolved_experiment) {
  LoadedInteractions loaded = load_dataset(resolved_experiment.at("dataset"));
  if (model_type_reads_sequences(resolved_experiment.at("model").at("type").get<std::string>())) {
    reserve_padding_item(loaded.interactions);
  } else {
    // Only sequences are ordered by time; a factorization model never reads the column (at
    // 100M interactions it is 800 MB).
    std::vector<int64_t>().swap(loaded.interactions.timestamps);
  }
  return loaded;
}

SequenceOptions sequence_options(const nlohmann::json& sequence) {
  auto optional = [&](const char* key) -> std::optional<int64_t> {
    if (!sequence.contains(key) || sequence.at(key).is_null()) return std::nullopt;
    return sequence.at(key).get<int64_t>();
  };
  SequenceOptions options;
  options.max_length = sequence.at("max_length").get<int64_t>();
  options.min_length = optional("min_length");
  options.step_size = optional("step_size");
  return options;
}

}  // namespace spotlight
