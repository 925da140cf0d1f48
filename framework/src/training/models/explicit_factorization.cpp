#include "spotlight/sdk/errors.h"
#include "src/training/models/factorization_model.h"

namespace spotlight {

ExplicitFactorizationModel::ExplicitFactorizationModel(ModelParts parts, TrainingOptions options, int64_t num_users,
                                                       int64_t num_items)
    : FactorizationModel("explicit_factorization", std::move(parts), std::move(options), num_users, num_items) {}

void ExplicitFactorizationModel::check_training_data(const Interactions& train) const {
  if (!train.has_ratings()) {
    throw DataError("explicit_factorization needs ratings, and this dataset has none (use implicit_factorization, "
                    "or a loader column with ratings)");
  }
}

torch::Tensor ExplicitFactorizationModel::minibatch_loss(const torch::Tensor& users, const torch::Tensor& items,
                                                         const torch::Tensor& ratings, const torch::Tensor& weights) {
  auto& representation = *parts_.representation;
  auto scores = representation.score(representation.encode_users(users), items);
  return parts_.loss->explicit_batch_loss({ratings, scores, weights});
}

double ExplicitFactorizationModel::hand_step(HandGradientRepresentation& representation, const HandGradientLoss& loss,
                                            const int64_t* users, const int64_t* items, const float* ratings,
                                            int64_t n) {
  scores_.resize(static_cast<size_t>(n));
  score_gradients_.resize(static_cast<size_t>(n));
  representation.score_pairs(users, items, n, 1, scores_.data());
  const double value = loss.explicit_score_gradients(ratings, scores_.data(), n, score_gradients_.data());
  return optimize_by_hand(value, [&] { representation.set_score_gradients(users, items, n, 1, score_gradients_.data()); });
}

}  // namespace spotlight
