#pragma once

#include <cstdint>
#include <utility>

#include <nlohmann/json.hpp>

#include "spotlight/framework/data/interactions.h"

namespace spotlight {

struct TrainTestSplit {
  Interactions train;
  Interactions test;
};

// Shuffles the interactions with `seed` and puts the last test_fraction of them in test:
// Spotlight's random_train_test_split with RandomState(seed), the same interactions in the
// same order (cutoff = floor((1 - fraction) * n)).
//
// Every split takes its interactions by value and moves them into the two sides column by
// column, freeing each column once split: pass an rvalue when the whole set is not needed
// afterwards, and the split never holds more than one extra column.
TrainTestSplit random_train_test_split(Interactions interactions, double test_fraction, uint64_t seed);

// Puts every interaction of a user in test or in train: a user is in test when a seeded
// hash of its id falls below test_fraction. Spotlight's user_based_train_test_split with
// RandomState(seed): the same users in test.
TrainTestSplit user_based_train_test_split(Interactions interactions, double test_fraction, uint64_t seed);

// The split a validated `split` section of an experiment describes.
TrainTestSplit split_as_configured(Interactions interactions, const nlohmann::json& split);

}  // namespace spotlight
