#include <algorithm>

#include "spotlight/framework/training/all_item_loss.h"
#include "src/training/models/factorization_model.h"

namespace spotlight {

ImplicitFactorizationModel::ImplicitFactorizationModel(ModelParts parts, TrainingOptions options, int64_t num_users,
                                                       int64_t num_items)
    : FactorizationModel("implicit_factorization", std::move(parts), std::move(options), num_users, num_items) {}

torch::Tensor ImplicitFactorizationModel::minibatch_loss(const torch::Tensor& users, const torch::Tensor& items,
                                                         const torch::Tensor&, const torch::Tensor& weights) {
  auto& representation = *parts_.representation;
  auto states = representation.encode_users(users);
  const bool many = parts_.loss->negatives_per_positive() == NegativesPerPositive::many;
  const int64_t samples = many ? parts_.sampler->num_negative_samples() : 1;
  const auto drawn = parts_.sampler->sample_negatives(items, samples, stream());  // (samples, batch)
  auto negatives = drawn.to(device_);
  // Positives and negatives scored in one call: one lookup per table, one backward pass.
  auto scores = representation.score(states.unsqueeze(0), torch::cat({items.unsqueeze(0), negatives}));
  ImplicitLossInput input;
  input.positive = scores[0];
  input.negative = many ? scores.narrow(0, 1, samples) : scores[1];
  input.weights = weights;
  if (parts_.loss->uses_negative_log_q()) input.negative_log_q = parts_.sampler->log_probabilities(drawn).to(device_);
  return parts_.loss->implicit_batch_loss(input);
}

double ImplicitFactorizationModel::autograd_step(const torch::Tensor& users, const torch::Tensor& items,
                                                 const torch::Tensor& ratings, const torch::Tensor& weights) {
  if (!parts_.loss->needs_all_item_scores()) return FactorizationModel::autograd_step(users, items, ratings, weights);
  auto& representation = *parts_.representation;
  return optimize_accumulated([&] {
    AllItemRows rows{representation.encode_users(users), items, weights};
    // Item 0 is a real item here: nothing is excluded.
    return backward_all_item_loss(representation, *parts_.loss, rows, num_items_, /*exclude_padding_item=*/false);
  });
}

double ImplicitFactorizationModel::hand_step(HandGradientRepresentation& representation, const HandGradientLoss& loss,
                                            const int64_t* users, const int64_t* items, const float*, int64_t n) {
  const bool many = parts_.loss->negatives_per_positive() == NegativesPerPositive::many;
  const int64_t samples = many ? parts_.sampler->num_negative_samples() : 1;
  const auto negatives =
      parts_.sampler->sample_negatives(torch::from_blob(const_cast<int64_t*>(items), {n}, torch::kInt64), samples,
                                       stream())
          .contiguous();
  const auto pairs = static_cast<size_t>((samples + 1) * n);
  pair_items_.resize(pairs);
  scores_.resize(pairs);
  score_gradients_.resize(pairs);
  std::copy(items, items + n, pair_items_.begin());
  std::copy(negatives.data_ptr<int64_t>(), negatives.data_ptr<int64_t>() + samples * n, pair_items_.begin() + n);
  representation.score_pairs(users, pair_items_.data(), n, samples + 1, scores_.data());
  const double value = loss.implicit_score_gradients(scores_.data(), scores_.data() + n, n, samples,
                                                     score_gradients_.data(), score_gradients_.data() + n);
  return optimize_by_hand(value, [&] {
    representation.set_score_gradients(users, pair_items_.data(), n, samples + 1, score_gradients_.data());
  });
}

}  // namespace spotlight
