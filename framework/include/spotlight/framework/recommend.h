#pragma once

#include <string>
#include <vector>

#include "spotlight/framework/checkpoint.h"

namespace spotlight {

struct Recommendation {
  std::string item;  // the dataset's own id
  double score = 0.0;
};

// The `k` best items for `user` (the dataset's own id) by a saved model, best first. Items
// the user has already interacted with anywhere in the experiment's dataset are left out
// unless `include_seen`. An unknown user is a DataError.
std::vector<Recommendation> recommend_for_user(LoadedCheckpoint& saved, const std::string& user, int64_t k,
                                               bool include_seen);

}  // namespace spotlight
