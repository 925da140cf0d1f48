// Key functions (out-of-line destructors) and default behaviour of the torch-facing SDK
// interfaces. Keeping them here pins their type information in libspotlight_sdk.so, which
// host and plugins share.
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

Sampler::~Sampler() = default;
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

}  // namespace spotlight
