#include "spotlight/sdk/errors.h"
#include "src/models/factorization_model.h"

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
                                                         const torch::Tensor& ratings) {
  auto& representation = *parts_.representation;
  auto scores = representation.score(representation.encode_users(users), items);
  return parts_.loss->explicit_loss(ratings, scores);
}

}  // namespace spotlight
