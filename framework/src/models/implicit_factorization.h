#pragma once

#include <torch/optim/optimizer.h>

#include "spotlight/framework/model.h"
#include "spotlight/sdk/random.h"

namespace spotlight {

// Spotlight's ImplicitFactorizationModel: each epoch shuffles the interactions, and every
// minibatch scores its positives against negatives drawn by the sampler (one per positive,
// or num_negative_samples when the loss compares with many).
class ImplicitFactorizationModel : public Model {
 public:
  ImplicitFactorizationModel(ModelParts parts, TrainingOptions options, int64_t num_users, int64_t num_items);

  void fit(const Interactions& train, const EpochCallback& on_epoch) override;

  int64_t num_users() const override { return num_users_; }
  int64_t num_items() const override { return num_items_; }
  bool scores_users() const override { return true; }
  bool scores_sequences() const override { return false; }
  torch::Tensor score_users(const torch::Tensor& user_ids) override;
  torch::Tensor score_sequences(const torch::Tensor& item_sequences) override;
  torch::Tensor score_pairs(const torch::Tensor& user_ids, const torch::Tensor& item_ids) override;

 private:
  ModelParts parts_;
  TrainingOptions options_;
  int64_t num_users_;
  int64_t num_items_;
  torch::Device device_;
  Random random_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  int64_t epochs_done_ = 0;
};

}  // namespace spotlight
