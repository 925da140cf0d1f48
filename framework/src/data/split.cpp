#include "spotlight/framework/data/split.h"

#include <cmath>
#include <numeric>

#include "spotlight/sdk/errors.h"
#include "src/data/numpy_random_state.h"

namespace spotlight {

namespace {

void check_fraction(double test_fraction) {
  if (!(test_fraction > 0.0 && test_fraction < 1.0)) {
    throw DataError("split: test_fraction must be between 0 and 1 (exclusive), got " + std::to_string(test_fraction));
  }
}

}  // namespace

TrainTestSplit random_train_test_split(const Interactions& interactions, double test_fraction, uint64_t seed) {
  check_fraction(test_fraction);
  std::vector<size_t> order(interactions.size());
  std::iota(order.begin(), order.end(), size_t{0});
  NumpyRandomState(seed).shuffle(order.data(), order.size());
  const auto cutoff = static_cast<size_t>(std::floor((1.0 - test_fraction) * static_cast<double>(order.size())));
  std::vector<size_t> train(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(cutoff));
  std::vector<size_t> test(order.begin() + static_cast<std::ptrdiff_t>(cutoff), order.end());
  return {interactions.select(train), interactions.select(test)};
}

TrainTestSplit user_based_train_test_split(const Interactions& interactions, double test_fraction, uint64_t seed) {
  check_fraction(test_fraction);
  // Spotlight draws the hash seed from RandomState(seed), hashes each user id as a 32-bit
  // integer and puts the user in test when (hash % 100) / 100 < test_fraction.
  const auto hash_seed = static_cast<uint32_t>(NumpyRandomState(seed).randint(0, 0xFFFFFFFFll));
  std::vector<size_t> train, test;
  for (size_t row = 0; row < interactions.size(); ++row) {
    const uint32_t hash = murmurhash3_32(static_cast<int32_t>(interactions.user_ids[row]), hash_seed);
    (static_cast<double>(hash % 100) / 100.0 < test_fraction ? test : train).push_back(row);
  }
  return {interactions.select(train), interactions.select(test)};
}

TrainTestSplit split_as_configured(const Interactions& interactions, const nlohmann::json& split) {
  const double fraction = split.at("test_fraction").get<double>();
  const auto seed = split.at("seed").get<uint64_t>();
  if (split.at("type").get<std::string>() == "user_based") {
    return user_based_train_test_split(interactions, fraction, seed);
  }
  return random_train_test_split(interactions, fraction, seed);
}

}  // namespace spotlight
