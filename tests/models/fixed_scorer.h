#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "spotlight/sdk/evaluator.h"
#include "spotlight/sdk/interaction_matrix.h"

namespace spotlight::testing {

// A model whose scores are given: scores[user][item], so evaluator tests can work out their expectations by hand.
class FixedScorer : public Scorer {
 public:
  explicit FixedScorer(torch::Tensor scores) : scores_(std::move(scores)) {}
  int64_t num_users() const override { return scores_.size(0); }
  int64_t num_items() const override { return scores_.size(1); }
  UserInput user_input() const override { return UserInput::ids; }
  // A copy: evaluators push training items to the bottom in place.
  torch::Tensor score_users(const torch::Tensor& ids) override { return scores_.index_select(0, ids).clone(); }
  torch::Tensor score_sequences(const torch::Tensor&) override { return {}; }
  torch::Tensor score_pairs(const torch::Tensor& user_ids, const torch::Tensor& item_ids) override {
    return scores_.index({user_ids, item_ids});
  }

 private:
  torch::Tensor scores_;
};

// An interaction matrix from each user's item ids; give them sorted, as the real matrix keeps its rows.
inline InteractionMatrix matrix(int64_t users, int64_t items, std::vector<std::vector<int64_t>> rows) {
  InteractionMatrix m;
  m.num_users = users;
  m.num_items = items;
  m.row_offsets.push_back(0);
  for (const auto& row : rows) {
    m.item_ids.insert(m.item_ids.end(), row.begin(), row.end());
    m.row_offsets.push_back(static_cast<int64_t>(m.item_ids.size()));
  }
  return m;
}

}  // namespace spotlight::testing
