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
// unless `include_seen`. A sequence model predicts what follows the user's latest items
// (the last sequence.max_length of them, in time order). An unknown user is a DataError.
std::vector<Recommendation> recommend_for_user(LoadedCheckpoint& saved, const std::string& user, int64_t k,
                                               bool include_seen);

// The `k` best next items after `items` (the dataset's own ids, oldest first) by a saved
// sequence model, best first; the given items are left out unless `include_seen`. A model
// that scores users is an Error; an unknown item is a DataError.
std::vector<Recommendation> recommend_for_sequence(LoadedCheckpoint& saved, const std::vector<std::string>& items,
                                                   int64_t k, bool include_seen);

}  // namespace spotlight
