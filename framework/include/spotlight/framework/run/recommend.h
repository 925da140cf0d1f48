#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <torch/types.h>

#include "spotlight/framework/run/checkpoint.h"

namespace spotlight {

struct Recommendation {
  std::string item;  // the dataset's own id
  double score = 0.0;
};

// Answers questions about one loaded model: the best items for users it knows, the next
// items after a sequence it has not seen, the items closest to an item. Built once (it
// indexes the raw ids and every user's history); afterwards every method may be called from
// many threads at once, as `spotlight serve` does.
class Recommender {
 public:
  // Reads the experiment's dataset again for the users' histories (a DataError when it no
  // longer matches the model). `saved` must outlive the recommender.
  explicit Recommender(LoadedCheckpoint& saved);

  int64_t num_users() const { return num_users_; }
  int64_t num_items() const { return num_items_; }
  bool scores_sequences() const { return scores_sequences_; }
  // The most items one answer can hold: every item (but the padding item of sequence models).
  int64_t max_k() const { return scores_sequences_ ? num_items_ - 1 : num_items_; }

  // Dense ids of the dataset's own ids; DataError `user "x" is not in the model's data`.
  int64_t user_id(const std::string& raw) const;
  int64_t item_id(const std::string& raw) const;
  std::string raw_user(int64_t user) const;
  std::string raw_item(int64_t item) const;
  // The users with at least one interaction in the dataset, ascending: the ones recommendations can be made for.
  std::vector<int64_t> users_with_history() const;

  // The `k` best items for each of `users` (dense ids), best first, scored together in one
  // call of the model. Items a user has interacted with anywhere in the dataset are left
  // out unless `include_seen`. A sequence model continues each user's latest
  // sequence.max_length items, left padded as in training.
  std::vector<std::vector<Recommendation>> for_users(const std::vector<int64_t>& users, int64_t k, bool include_seen);
  // The `k` best next items after `items` (the dataset's ids, oldest first) by a sequence
  // model; the given items are left out unless `include_seen`. A model that scores users by
  // id refuses with an Error; an unknown item is a DataError.
  std::vector<Recommendation> for_sequence(const std::vector<std::string>& items, int64_t k, bool include_seen);
  // The `k` items whose vectors have the highest cosine similarity with `item`'s, the item
  // itself left out. A representation without item vectors (no ExposesTables) is an Error
  // naming its plugin.
  std::vector<Recommendation> similar_items(const std::string& item, int64_t k);

 private:
  // Users scored per call of the model (see score_block): a product of 32 rows uses the BLAS
  // well; a sequence network encodes every row of the block, so a single request pays for
  // fewer copies with 8.
  size_t block_rows() const { return scores_sequences_ ? 8 : 32; }

  // (block_rows(), num_items) scores of `count` <= block_rows() users.
  torch::Tensor score_block(const int64_t* users, size_t count);
  std::vector<Recommendation> best_items(float* scores, std::vector<int64_t> excluded, int64_t k) const;
  // (1, max_length) or (users, max_length): each history's latest items, left padded with 0.
  torch::Tensor windows(const std::vector<const std::vector<int64_t>*>& histories) const;
  const torch::Tensor& unit_item_vectors();

  LoadedCheckpoint& saved_;
  int64_t num_users_ = 0;
  int64_t num_items_ = 0;
  bool scores_sequences_ = false;
  int64_t window_ = 0;  // sequence.max_length of sequence models
  std::unordered_map<std::string, int64_t> user_index_;
  std::unordered_map<std::string, int64_t> item_index_;
  std::vector<std::vector<int64_t>> histories_;  // per dense user, oldest first
  std::once_flag unit_vectors_once_;
  torch::Tensor unit_item_vectors_;  // (num_items, dim), rows of length 1 (or 0)
};

// The plugin name of the model's representation, as the experiment names it.
std::string representation_plugin(const LoadedCheckpoint& saved);

// One-shot forms of Recommender's questions (each indexes the model's data once).
std::vector<Recommendation> recommend_for_user(LoadedCheckpoint& saved, const std::string& user, int64_t k,
                                               bool include_seen);
std::vector<Recommendation> recommend_for_sequence(LoadedCheckpoint& saved, const std::vector<std::string>& items,
                                                   int64_t k, bool include_seen);

}  // namespace spotlight
