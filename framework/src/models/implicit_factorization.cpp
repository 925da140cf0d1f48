#include "src/models/factorization_model.h"

namespace spotlight {

ImplicitFactorizationModel::ImplicitFactorizationModel(ModelParts parts, TrainingOptions options, int64_t num_users,
                                                       int64_t num_items)
    : FactorizationModel("implicit_factorization", std::move(parts), std::move(options), num_users, num_items) {}

torch::Tensor ImplicitFactorizationModel::minibatch_loss(const torch::Tensor& users, const torch::Tensor& items,
                                                         const torch::Tensor&) {
  auto& representation = *parts_.representation;
  auto states = representation.encode_users(users);
  auto positive = representation.score(states, items);
  const int64_t size = users.size(0);
  torch::Tensor negative;
  if (parts_.loss->negatives_per_positive() == NegativesPerPositive::many) {
    const int64_t count = parts_.sampler->num_negative_samples();
    auto negative_items = parts_.sampler->sample({count, size}, random_).to(device_);
    negative = representation.score(states.unsqueeze(0), negative_items);
  } else {
    auto negative_items = parts_.sampler->sample({size}, random_).to(device_);
    negative = representation.score(states, negative_items);
  }
  return parts_.loss->implicit_loss(positive, negative, torch::Tensor());
}

}  // namespace spotlight
