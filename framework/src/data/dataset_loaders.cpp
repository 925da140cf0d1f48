#include "spotlight/framework/data/dataset_loaders.h"

#include "spotlight/framework/data/movielens_download.h"
#include "spotlight/framework/data/synthetic.h"
#include "spotlight/sdk/errors.h"

namespace spotlight {

namespace {

// Generated ids are table rows, as raw ids are: the same int32 ceiling.
constexpr long long kMostGeneratedIds = 2147483647;

IdMapping id_mapping(const nlohmann::json& dataset) {
  return dataset.at("ids").get<std::string>() == "raw" ? IdMapping::raw : IdMapping::dense;
}

MalformedLines malformed_lines(const nlohmann::json& dataset) {
  return dataset.at("on_malformed").get<std::string>() == "skip" ? MalformedLines::skip : MalformedLines::error;
}

std::optional<std::string> optional_text(const nlohmann::json& dataset, const char* key) {
  const auto& value = dataset.at(key);
  if (value.is_null()) return std::nullopt;
  return value.get<std::string>();
}

std::vector<std::string> movielens_variants() {
  std::vector<std::string> variants;
  for (const auto& archive : movielens_archives()) variants.push_back(archive.variant);
  return variants;
}

// Checked with the rest of the experiment, before any data is read or downloaded.
void check_movielens_dataset(const nlohmann::json& dataset) {
  const bool has_path = !dataset.at("path").is_null(), has_variant = !dataset.at("variant").is_null();
  if (has_path == has_variant) {
    throw ConfigError("dataset", std::string(has_path ? "both \"path\" and" : "neither \"path\" nor") +
                                     " \"variant\" given; expected exactly one: \"path\" (a MovieLens folder on disk) "
                                     "or \"variant\" (downloaded and cached, e.g. \"100k\")");
  }
}

LoadedInteractions load_movielens_dataset(const nlohmann::json& dataset) {
  std::filesystem::path path;
  if (dataset.at("variant").is_null()) {
    path = dataset.at("path").get<std::string>();
  } else {
    path = fetch_movielens(movielens_archive(dataset.at("variant").get<std::string>()), spotlight_data_folder(),
                           movielens_base_url());
  }
  return load_movielens(path, id_mapping(dataset), malformed_lines(dataset));
}

// Checked with the rest of the experiment, before the file is read.
void check_csv_dataset(const nlohmann::json& dataset) {
  if (dataset.at("rows_in_time_order").get<bool>() && !dataset.at("timestamp_column").is_null()) {
    throw ConfigError("dataset", kTimestampsTwice);
  }
}

LoadedInteractions load_csv_dataset(const nlohmann::json& dataset) {
  DelimitedFileOptions options;
  options.delimiter = dataset.at("delimiter").get<std::string>();
  if (options.delimiter == "\\t") options.delimiter = "\t";
  options.header = dataset.at("header").get<bool>();
  options.user_column = dataset.at("user_column").get<std::string>();
  options.item_column = dataset.at("item_column").get<std::string>();
  options.rating_column = optional_text(dataset, "rating_column");
  options.timestamp_column = optional_text(dataset, "timestamp_column");
  options.weight_column = optional_text(dataset, "weight_column");
  options.rows_in_time_order = dataset.at("rows_in_time_order").get<bool>();
  options.ids = id_mapping(dataset);
  options.malformed = malformed_lines(dataset);
  return load_delimited_file(dataset.at("path").get<std::string>(), options);
}

Parameter ids_parameter() {
  return Parameter::text("ids", "dense", "dense: ids 0..n-1 in order of appearance, raw ids kept for output; raw: "
                                         "numeric ids used as they are, counts are the largest id + 1")
      .one_of({"dense", "raw"});
}

Parameter malformed_parameter() {
  return Parameter::text("on_malformed", "error", "A line that cannot be parsed stops loading, or is skipped and counted")
      .one_of({"error", "skip"});
}

LoadedInteractions load_synthetic_sequential(const nlohmann::json& dataset) {
  SequentialDataOptions options;
  options.num_users = dataset.at("num_users").get<int64_t>();
  options.num_items = dataset.at("num_items").get<int64_t>();
  options.num_interactions = dataset.at("num_interactions").get<int64_t>();
  options.concentration = dataset.at("concentration").get<double>();
  options.order = dataset.at("order").get<int64_t>();
  options.seed = dataset.at("seed").get<uint64_t>();
  return {generate_sequential(options), 0};
}

LoadedInteractions load_synthetic_random(const nlohmann::json& dataset) {
  RandomDataOptions options;
  options.num_users = dataset.at("num_users").get<int64_t>();
  options.num_items = dataset.at("num_items").get<int64_t>();
  options.num_interactions = dataset.at("num_interactions").get<int64_t>();
  options.num_clusters = dataset.at("num_clusters").get<int64_t>();
  options.affinity = dataset.at("affinity").get<double>();
  options.seed = dataset.at("seed").get<uint64_t>();
  return {generate_random(options), 0};
}

std::vector<DatasetLoader> make_loaders() {
  std::vector<DatasetLoader> loaders;
  loaders.push_back({"movielens",
                     "MovieLens ratings: u.data (100K), ratings.dat (1M, 10M) or ratings.csv (20M, 25M, latest)",
                     {Parameter::text("path", std::nullopt, "The unpacked MovieLens folder, or its ratings file")
                          .optional(),
                      Parameter::text("variant", std::nullopt,
                                      "A GroupLens archive to download once into $SPOTLIGHT_DATA_DIR (default "
                                      "~/.cache/spotlight) instead of a path")
                          .one_of(movielens_variants())
                          .optional(),
                      ids_parameter(), malformed_parameter()},
                     load_movielens_dataset, check_movielens_dataset});
  loaders.push_back(
      {"csv",
       "Any delimited text file with a user and an item column (ratings, timestamps and weights optional)",
       {Parameter::text("path", std::nullopt, "The file"),
        Parameter::text("delimiter", ",", "Field separator: \",\", \"\\t\", \"::\", ..."),
        Parameter::boolean("header", true, "The first line names the columns"),
        Parameter::text("user_column", std::nullopt, "Column of user ids: a name, or a 0-based position without header"),
        Parameter::text("item_column", std::nullopt, "Column of item ids"),
        Parameter::text("rating_column", std::nullopt, "Column of ratings").optional(),
        Parameter::text("timestamp_column", std::nullopt, "Column of integer timestamps").optional(),
        Parameter::boolean("rows_in_time_order", false,
                           "No timestamp column: the rows are in time order, and a row's position is its timestamp"),
        Parameter::text("weight_column", std::nullopt, "Column of weights").optional(), ids_parameter(),
        malformed_parameter()},
       load_csv_dataset, check_csv_dataset});
  loaders.push_back(
      {"synthetic_sequential",
       "Markov-chain item sequences (Spotlight's generate_sequential); item 0 is never used",
       {Parameter::integer("num_users", 100, "Number of users").at_least(1).at_most(kMostGeneratedIds),
        Parameter::integer("num_items", 1000, "Number of items, including the padding id 0")
            .at_least(2)
            .at_most(kMostGeneratedIds),
        Parameter::integer("num_interactions", 10000, "Number of interactions").at_least(1),
        Parameter::number("concentration", 0.1, "Dirichlet concentration of each transition row; low = predictable")
            .greater_than(0),
        Parameter::integer("order", 3, "Markov order: how many previous items the next one depends on")
            .at_least(1)
            .at_most(kMaxCount),
        Parameter::integer("seed", 42, "Random seed").at_least(0)},
       load_synthetic_sequential});
  loaders.push_back(
      {"synthetic_random",
       "Random (user, item) pairs; with num_clusters > 0 every user prefers one cluster of items",
       {Parameter::integer("num_users", 1000, "Number of users").at_least(1).at_most(kMostGeneratedIds),
        Parameter::integer("num_items", 1000, "Number of items").at_least(1).at_most(kMostGeneratedIds),
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

LoadedInteractions load_dataset(const nlohmann::json& dataset) {
  const auto* loader = find_dataset_loader(dataset.at("loader").get<std::string>());
  LoadedInteractions loaded = loader->load(dataset);
  loaded.interactions.validate();
  return loaded;
}

}  // namespace spotlight
