#include "spotlight/framework/split.h"

#include <cmath>
#include <numeric>

#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/random.h"

namespace spotlight {

namespace {

void check_fraction(double test_fraction) {
  if (!(test_fraction > 0.0 && test_fraction < 1.0)) {
    throw DataError("split: test_fraction must be between 0 and 1 (exclusive), got " + std::to_string(test_fraction));
  }
}

// A uniform number in [0, 1) that depends only on (id, seed): splitmix64 finalisation.
double hashed_unit(int64_t id, uint64_t seed) {
  uint64_t z = static_cast<uint64_t>(id) + seed * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

}  // namespace

TrainTestSplit random_train_test_split(const Interactions& interactions, double test_fraction, uint64_t seed) {
  check_fraction(test_fraction);
  std::vector<size_t> order(interactions.size());
  std::iota(order.begin(), order.end(), size_t{0});
  Random random(seed);
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[random.below(i)]);
  const auto cutoff = static_cast<size_t>(std::floor((1.0 - test_fraction) * static_cast<double>(order.size())));
  std::vector<size_t> train(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(cutoff));
  std::vector<size_t> test(order.begin() + static_cast<std::ptrdiff_t>(cutoff), order.end());
  return {interactions.select(train), interactions.select(test)};
}

TrainTestSplit user_based_train_test_split(const Interactions& interactions, double test_fraction, uint64_t seed) {
  check_fraction(test_fraction);
  std::vector<size_t> train, test;
  for (size_t row = 0; row < interactions.size(); ++row) {
    (hashed_unit(interactions.user_ids[row], seed) < test_fraction ? test : train).push_back(row);
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
