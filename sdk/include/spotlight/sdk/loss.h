#pragma once

#include <torch/types.h>

#include "spotlight/sdk/component.h"
#include "spotlight/sdk/export.h"

namespace spotlight {

enum class Feedback {
  implicit,  // positives against sampled negatives
  explicit_ratings,  // observed ratings against predicted ones
};

// How many sampled negatives the loss compares each positive with.
enum class NegativesPerPositive {
  one,   // negative has the positive's shape
  many,  // negative has shape (num_negative_samples, ...positive's shape)
};

SPOTLIGHT_SDK_API const char* to_string(Feedback feedback);

class SPOTLIGHT_SDK_API Loss : public Component {
 public:
  ~Loss() override;
  static constexpr ComponentKind component_kind = ComponentKind::loss;
  ComponentKind kind() const final { return component_kind; }

  virtual Feedback feedback() const = 0;
  virtual NegativesPerPositive negatives_per_positive() const { return NegativesPerPositive::one; }

  // Implicit feedback: scalar loss of positive against negative scores. `mask` (the
  // positive's shape, 1 for real entries) is undefined when every entry counts; masked
  // entries must not contribute.
  virtual torch::Tensor implicit_loss(const torch::Tensor& positive, const torch::Tensor& negative,
                                      const torch::Tensor& mask) const;
  // Explicit feedback: scalar loss of the representation's raw `scores` against observed
  // ratings. The loss applies its own link (Poisson: exp; logistic: sigmoid) inside.
  virtual torch::Tensor explicit_loss(const torch::Tensor& observed, const torch::Tensor& scores) const;
  // What a model trained with this loss predicts for raw scores: the identity for most
  // losses, exp(score) for a Poisson loss, sigmoid(score) for a logistic one.
  virtual torch::Tensor predictions(const torch::Tensor& scores) const { return scores; }
};

}  // namespace spotlight

namespace spotlight {

// Mean of `loss` over the entries where `mask` is non-zero (all entries when `mask` is
// undefined): what every implicit loss reduces with.
SPOTLIGHT_SDK_API torch::Tensor masked_mean(const torch::Tensor& loss, const torch::Tensor& mask);

}  // namespace spotlight
