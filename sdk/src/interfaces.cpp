// Key functions (out-of-line destructors) and default behaviour of the torch-facing SDK
// interfaces. Keeping them here pins their type information in libspotlight_sdk.so, which
// host and plugins share.
#include <vector>

#include "spotlight/sdk/embedding.h"
#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/evaluator.h"
#include "spotlight/sdk/loss.h"
#include "spotlight/sdk/optimizer.h"
#include "spotlight/sdk/representation.h"
#include "spotlight/sdk/sampler.h"

namespace spotlight {

const char* to_string(UserInput input) {
  return input == UserInput::ids ? "user ids" : "item histories";
}

const char* to_string(Feedback feedback) {
  return feedback == Feedback::implicit ? "implicit" : "explicit";
}

Representation::~Representation() = default;

torch::Tensor Representation::encode_users(const torch::Tensor&) {
  throw Error("this representation encodes users from item histories, not from user ids");
}

SequenceStates Representation::encode_sequences(const torch::Tensor&) {
  throw Error("this representation encodes users from user ids, not from item histories");
}

EmbeddingLayer::~EmbeddingLayer() = default;

Loss::~Loss() = default;

torch::Tensor Loss::implicit_loss(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&) const {
  throw Error("this loss is for explicit feedback (ratings); it cannot train an implicit model");
}

torch::Tensor Loss::explicit_loss(const torch::Tensor&, const torch::Tensor&) const {
  throw Error("this loss is for implicit feedback; it cannot train an explicit (ratings) model");
}

torch::Tensor Loss::implicit_batch_loss(const ImplicitLossInput& input) const {
  if (!input.weights.defined()) return implicit_loss(input.positive, input.negative, input.mask);
  const torch::Tensor weights = input.weights.to(input.positive.scalar_type());
  return implicit_loss(input.positive, input.negative,
                       input.mask.defined() ? input.mask.to(weights.scalar_type()) * weights : weights);
}

torch::Tensor Loss::explicit_batch_loss(const ExplicitLossInput& input) const {
  if (input.weights.defined()) {
    throw Error("this loss does not take interaction weights (it overrides only explicit_loss); remove the "
                "dataset's weight_column or use a loss that weights its terms");
  }
  return explicit_loss(input.observed, input.scores);
}

torch::Tensor Loss::all_item_loss_terms(const torch::Tensor&, const torch::Tensor&) const {
  throw Error("this loss does not score the whole catalogue (needs_all_item_scores() is false)");
}

Sampler::~Sampler() = default;

torch::Tensor Sampler::sample_negatives(const torch::Tensor& positives, int64_t samples, Random& random) const {
  std::vector<int64_t> shape{samples};
  shape.insert(shape.end(), positives.sizes().begin(), positives.sizes().end());
  return sample(shape, random);
}
Scorer::~Scorer() = default;
Evaluator::~Evaluator() = default;

Optimizer::~Optimizer() = default;

bool Optimizer::takes_sparse_gradients() const { return false; }

}  // namespace spotlight

namespace spotlight {

torch::Tensor masked_mean(const torch::Tensor& loss, const torch::Tensor& mask) {
  if (!mask.defined()) return loss.mean();
  auto weights = mask.to(loss.scalar_type());
  return (loss * weights).sum() / weights.sum();
}

void check_many_negatives(const ImplicitLossInput& input, const std::string& loss) {
  const auto& positive = input.positive;
  const auto& negative = input.negative;
  if (negative.dim() != positive.dim() + 1 || negative.sizes().slice(1) != positive.sizes()) {
    throw Error(loss + " expects negative scores shaped (num_negative_samples, ...positive's shape), got " +
                c10::str(negative.sizes()) + " for a positive of shape " + c10::str(positive.sizes()));
  }
}

torch::Tensor weighted_mean(const torch::Tensor& loss, const torch::Tensor& mask, const torch::Tensor& weights) {
  if (!weights.defined()) return masked_mean(loss, mask);
  auto combined = weights.to(loss.scalar_type());
  if (mask.defined()) combined = combined * mask.to(loss.scalar_type());
  return (loss * combined).sum() / combined.sum();
}

}  // namespace spotlight
