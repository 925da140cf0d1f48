#pragma once

#include <cstdint>
#include <vector>

#include "spotlight/sdk/export.h"

namespace spotlight {

// Ranking helpers shared by the evaluator plugins. Scores are higher-is-better.

// Sets the scores of `items` to the lowest float, so they rank after every other item
// (Spotlight gives known training items the worst rank this way).
SPOTLIGHT_SDK_API void push_to_bottom(float* scores, const int64_t* items, int64_t count);

// The 1-based rank of each of `targets` among all `num_items` scores, ties sharing their
// average rank (scipy's rankdata "average" on negated scores). One vectorised pass over the scores per 32 targets, as wide as the targets need.
SPOTLIGHT_SDK_API std::vector<double> average_ranks(const float* scores, int64_t num_items, const int64_t* targets,
                                                    int64_t num_targets);

// The `k` best items, best first; ties broken by the lower item id.
SPOTLIGHT_SDK_API std::vector<int64_t> top_k(const float* scores, int64_t num_items, int64_t k);

}  // namespace spotlight
