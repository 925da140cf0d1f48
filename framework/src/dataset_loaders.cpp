#include "spotlight/framework/dataset_loaders.h"

#include "spotlight/framework/synthetic.h"
#include "spotlight/sdk/errors.h"

namespace spotlight {

namespace {

Interactions load_synthetic_sequential(const nlohmann::json& dataset) {
  SequentialDataOptions options;
  options.num_users = dataset.at("num_users").get<int64_t>();
  options.num_items = dataset.at("num_items").get<int64_t>();
  options.num_interactions = dataset.at("num_interactions").get<int64_t>();
  options.concentration = dataset.at("concentration").get<double>();
  options.order = dataset.at("order").get<int64_t>();
  options.seed = dataset.at("seed").get<uint64_t>();
  return generate_sequential(options);
}

Interactions load_synthetic_random(const nlohmann::json& dataset) {
  RandomDataOptions options;
  options.num_users = dataset.at("num_users").get<int64_t>();
  options.num_items = dataset.at("num_items").get<int64_t>();
  options.num_interactions = dataset.at("num_interactions").get<int64_t>();
  options.num_clusters = dataset.at("num_clusters").get<int64_t>();
  options.affinity = dataset.at("affinity").get<double>();
  options.seed = dataset.at("seed").get<uint64_t>();
  return generate_random(options);
}

std::vector<DatasetLoader> make_loaders() {
  std::vector<DatasetLoader> loaders;
  loaders.push_back(
      {"synthetic_sequential",
       "Markov-chain item sequences (Spotlight's generate_sequential); item 0 is never used",
       {Parameter::integer("num_users", 100, "Number of users").at_least(1),
        Parameter::integer("num_items", 1000, "Number of items, including the padding id 0").at_least(2),
        Parameter::integer("num_interactions", 10000, "Number of interactions").at_least(1),
        Parameter::number("concentration", 0.1, "Dirichlet concentration of each transition row; low = predictable")
            .greater_than(0),
        Parameter::integer("order", 3, "Markov order: how many previous items the next one depends on").at_least(1),
        Parameter::integer("seed", 42, "Random seed").at_least(0)},
       load_synthetic_sequential});
  loaders.push_back(
      {"synthetic_random",
       "Random (user, item) pairs; with num_clusters > 0 every user prefers one cluster of items",
       {Parameter::integer("num_users", 1000, "Number of users").at_least(1),
        Parameter::integer("num_items", 1000, "Number of items").at_least(1),
        Parameter::integer("num_interactions", 10000, "Number of interactions").at_least(1),
        Parameter::integer("num_clusters", 0, "Item clusters users prefer; 0 for uniform random pairs").at_least(0),
        Parameter::number("affinity", 0.9, "Probability that an interaction is in the user's cluster")
            .at_least(0)
            .at_most(1),
        Parameter::integer("seed", 42, "Random seed").at_least(0)},
       load_synthetic_random});
  return loaders;
}

}  // namespace

const std::vector<DatasetLoader>& dataset_loaders() {
  static const std::vector<DatasetLoader> loaders = make_loaders();
  return loaders;
}

const DatasetLoader* find_dataset_loader(const std::string& name) {
  for (const auto& loader : dataset_loaders()) {
    if (loader.name == name) return &loader;
  }
  return nullptr;
}

Interactions load_dataset(const nlohmann::json& dataset) {
  const auto* loader = find_dataset_loader(dataset.at("loader").get<std::string>());
  Interactions interactions = loader->load(dataset);
  interactions.validate();
  return interactions;
}

}  // namespace spotlight
