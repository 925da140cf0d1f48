#include "src/training/models/factorization_model.h"

#include "spotlight/sdk/errors.h"

namespace spotlight {

FactorizationModel::FactorizationModel(std::string type, ModelParts parts, TrainingOptions options,
                                       int64_t num_users, int64_t num_items)
    : ModelBase(std::move(type), std::move(parts), std::move(options), num_users, num_items) {}

void FactorizationModel::fit(const Interactions& train, const EpochCallback& on_epoch, int64_t epochs) {
  prepare_training(train);
  check_training_data(train);
  check_weights(train, type_);
  parts_.representation->train();
  const auto n = static_cast<int64_t>(train.size());
  // Sized by the interactions there are, not by batch_size: a huge batch_size costs nothing.
  const int64_t batch_size = std::min(local_batch_size(), std::max<int64_t>(n, 1));
  const bool with_ratings = reads_ratings();
  std::vector<int64_t> batch_users(static_cast<size_t>(batch_size));
  std::vector<int64_t> batch_items(static_cast<size_t>(batch_size));
  std::vector<float> batch_ratings(with_ratings ? static_cast<size_t>(batch_size) : 0);
  const bool weighted = !train.weights.empty();
  std::vector<float> batch_weights(weighted ? static_cast<size_t>(batch_size) : 0);
  // The hand-gradient losses differentiate an unweighted mean: weighted data goes through autograd.
  HandGradientRepresentation* by_hand = weighted ? nullptr : hand_gradient_representation();
  const auto* hand_loss = dynamic_cast<const HandGradientLoss*>(parts_.loss.get());

  // Each epoch shuffles the original order, as Spotlight's factorization models do.
  train_epochs(n, n, epochs, on_epoch, [&](const int64_t* rows, int64_t size) {
    for (int64_t k = 0; k < size; ++k) {
      const auto row = static_cast<size_t>(rows[k]);
      batch_users[static_cast<size_t>(k)] = train.user_ids[row];
      batch_items[static_cast<size_t>(k)] = train.item_ids[row];
      if (with_ratings) batch_ratings[static_cast<size_t>(k)] = train.ratings[row];
      if (weighted) batch_weights[static_cast<size_t>(k)] = train.weights[row];
    }
    if (by_hand) {
      return hand_step(*by_hand, *hand_loss, batch_users.data(), batch_items.data(),
                       with_ratings ? batch_ratings.data() : nullptr, size);
    }
    auto users = torch::from_blob(batch_users.data(), {size}, torch::kInt64).to(device_);
    auto items = torch::from_blob(batch_items.data(), {size}, torch::kInt64).to(device_);
    torch::Tensor ratings;
    if (with_ratings) ratings = torch::from_blob(batch_ratings.data(), {size}, torch::kFloat32).to(device_);
    torch::Tensor weights;
    if (weighted) weights = torch::from_blob(batch_weights.data(), {size}, torch::kFloat32).to(device_);
    return autograd_step(users, items, ratings, weights);
  });
}

HandGradientRepresentation* FactorizationModel::hand_gradient_representation() const {
  if (!options_.hand_gradients || !device_.is_cpu() || !dynamic_cast<const HandGradientLoss*>(parts_.loss.get())) {
    return nullptr;
  }
  auto* representation = dynamic_cast<HandGradientRepresentation*>(parts_.representation.get());
  return representation && representation->hand_gradients_available() ? representation : nullptr;
}

torch::Tensor FactorizationModel::score_users(const torch::Tensor& user_ids) {
  check_ids(user_ids, torch::Tensor());
  torch::NoGradGuard no_grad;
  enter_evaluation_mode();
  auto states = parts_.representation->encode_users(user_ids.to(device_));
  auto scores = parts_.loss->predictions(parts_.representation->score_all(states));
  return scores.to(torch::kCPU, torch::kFloat32).contiguous();
}

torch::Tensor FactorizationModel::score_sequences(const torch::Tensor&) {
  throw Error("a " + type_ + " model scores users, not item sequences");
}

torch::Tensor FactorizationModel::score_pairs(const torch::Tensor& user_ids, const torch::Tensor& item_ids) {
  check_ids(user_ids, item_ids);
  if (user_ids.sizes() != item_ids.sizes()) throw Error("score_pairs needs as many user ids as item ids");
  torch::NoGradGuard no_grad;
  enter_evaluation_mode();
  auto states = parts_.representation->encode_users(user_ids.to(device_));
  auto scores = parts_.loss->predictions(parts_.representation->score(states, item_ids.to(device_)));
  return scores.to(torch::kCPU, torch::kFloat32).contiguous();
}

}  // namespace spotlight
