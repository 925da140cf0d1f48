#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "spotlight/sdk/interaction_matrix.h"

namespace spotlight {

// Raw ids from a data file, by dense id: raw_ids[dense] is what the user wrote.
struct IdMap {
  std::vector<std::string> raw_ids;
  bool empty() const { return raw_ids.empty(); }
};

// A list of (user, item) interactions with optional ratings, timestamps and weights.
// Ids are dense, 0-based; num_users / num_items may exceed the largest id + 1.
struct Interactions {
  int64_t num_users = 0;
  int64_t num_items = 0;
  std::vector<int64_t> user_ids;
  std::vector<int64_t> item_ids;
  std::vector<float> ratings;       // empty, or one per interaction
  std::vector<int64_t> timestamps;  // empty, or one per interaction
  std::vector<float> weights;       // empty, or one per interaction
  IdMap users;                      // empty for generated data
  IdMap items;

  size_t size() const { return user_ids.size(); }
  bool has_ratings() const { return !ratings.empty(); }

  // Throws DataError naming the first offending row: unequal column lengths, ids outside
  // [0, num_*), non-finite ratings or weights.
  void validate() const;
  // The rows in `rows`, in that order, with the same counts and id maps.
  Interactions select(const std::vector<size_t>& rows) const;
  // Grouped by user, items ascending within a user (duplicates kept).
  InteractionMatrix to_matrix() const;
};

// Re-expresses `data` in the ids of a model trained on data whose raw ids were
// `model_users` / `model_items` (empty maps: the ids are the raw numbers themselves),
// matching users and items by their raw ids. Interactions with a user or item the model
// does not know are dropped; returns how many.
size_t remap_to_model(Interactions& data, const IdMap& model_users, const IdMap& model_items, int64_t num_users,
                      int64_t num_items);

}  // namespace spotlight
