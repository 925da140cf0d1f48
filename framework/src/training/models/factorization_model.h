#pragma once

#include <vector>

#include "spotlight/sdk/hand_gradients.h"
#include "src/training/models/model_base.h"

namespace spotlight {

// What Spotlight's implicit and explicit factorization models share: every epoch shuffles
// the training interactions (the original order, as Spotlight does), walks them in
// minibatches, and stops with an error on a NaN or zero epoch loss. Subclasses say what
// a minibatch's loss is.
class FactorizationModel : public ModelBase {
 public:
  void fit(const Interactions& train, const EpochCallback& on_epoch, int64_t epochs = -1) override;

  UserInput user_input() const override { return UserInput::ids; }
  // Predictions go through the loss's link (exp for Poisson, sigmoid for logistic).
  torch::Tensor score_users(const torch::Tensor& user_ids) override;
  torch::Tensor score_sequences(const torch::Tensor& item_sequences) override;
  torch::Tensor score_pairs(const torch::Tensor& user_ids, const torch::Tensor& item_ids) override;

 protected:
  FactorizationModel(std::string type, ModelParts parts, TrainingOptions options, int64_t num_users,
                     int64_t num_items);

  // Checks the training data before the first epoch; throws DataError.
  virtual void check_training_data(const Interactions& train) const {}
  // The scalar loss of one minibatch; `ratings` is undefined when the model reads none, and
  // `weights` when the data has none.
  virtual torch::Tensor minibatch_loss(const torch::Tensor& users, const torch::Tensor& items,
                                       const torch::Tensor& ratings, const torch::Tensor& weights) = 0;
  // One optimizer step through autograd; returns the loss. By default the step of
  // minibatch_loss.
  virtual double autograd_step(const torch::Tensor& users, const torch::Tensor& items, const torch::Tensor& ratings,
                               const torch::Tensor& weights) {
    return optimize(minibatch_loss(users, items, ratings, weights));
  }
  virtual bool reads_ratings() const = 0;
  // The same minibatch through the hand-gradient path: scores, loss and one optimizer step;
  // returns the loss. `ratings` is null when the model reads none.
  virtual double hand_step(HandGradientRepresentation& representation, const HandGradientLoss& loss,
                           const int64_t* users, const int64_t* items, const float* ratings, int64_t n) = 0;

  // Scratch space of hand_step, reused from batch to batch.
  std::vector<int64_t> pair_items_;
  std::vector<float> scores_;
  std::vector<float> score_gradients_;

 private:
  // The representation when it and the loss both differentiate by hand on this device; null
  // when training goes through autograd.
  HandGradientRepresentation* hand_gradient_representation() const;
};

// Spotlight's ImplicitFactorizationModel: positives against negatives from the sampler
// (one per positive, or num_negative_samples when the loss compares with many).
class ImplicitFactorizationModel : public FactorizationModel {
 public:
  ImplicitFactorizationModel(ModelParts parts, TrainingOptions options, int64_t num_users, int64_t num_items);

 protected:
  torch::Tensor minibatch_loss(const torch::Tensor& users, const torch::Tensor& items, const torch::Tensor& ratings,
                               const torch::Tensor& weights) override;
  // A loss over the whole catalogue (Loss::needs_all_item_scores) scores every item for each
  // user, in bounded chunks; other losses take minibatch_loss's step.
  double autograd_step(const torch::Tensor& users, const torch::Tensor& items, const torch::Tensor& ratings,
                       const torch::Tensor& weights) override;
  bool reads_ratings() const override { return false; }
  double hand_step(HandGradientRepresentation& representation, const HandGradientLoss& loss, const int64_t* users,
                   const int64_t* items, const float* ratings, int64_t n) override;
};

// Spotlight's ExplicitFactorizationModel: predicted against observed ratings.
class ExplicitFactorizationModel : public FactorizationModel {
 public:
  ExplicitFactorizationModel(ModelParts parts, TrainingOptions options, int64_t num_users, int64_t num_items);

 protected:
  void check_training_data(const Interactions& train) const override;
  torch::Tensor minibatch_loss(const torch::Tensor& users, const torch::Tensor& items, const torch::Tensor& ratings,
                               const torch::Tensor& weights) override;
  bool reads_ratings() const override { return true; }
  double hand_step(HandGradientRepresentation& representation, const HandGradientLoss& loss, const int64_t* users,
                   const int64_t* items, const float* ratings, int64_t n) override;
};

}  // namespace spotlight
