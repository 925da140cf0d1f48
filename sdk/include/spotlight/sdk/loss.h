#pragma once

#include <string>

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

// One implicit minibatch as the host hands it to a loss. Only positive and negative are always
// defined; the other fields are undefined tensors when they do not apply, so that a field added
// here later reaches the losses that read it without changing any other loss's signature.
struct ImplicitLossInput {
  torch::Tensor positive;  // scores of the observed items
  torch::Tensor negative;  // NegativesPerPositive::one: positive's shape; many: (samples, ...positive's shape)
  torch::Tensor mask;      // positive's shape, 1 for real entries; undefined when every entry counts
  torch::Tensor weights;   // positive's shape, each interaction's weight; undefined when all weigh 1
  // negative's shape: log of the probability the sampler drew each negative with. Defined only
  // for a loss whose uses_negative_log_q() is true (the host then requires a sampler that
  // reports_probabilities()).
  torch::Tensor negative_log_q;
};

// One explicit minibatch: raw scores against observed ratings, optionally weighted.
struct ExplicitLossInput {
  torch::Tensor observed;
  torch::Tensor scores;
  torch::Tensor weights;  // observed's shape; undefined when all weigh 1
};

class SPOTLIGHT_SDK_API Loss : public Component {
 public:
  ~Loss() override;
  static constexpr ComponentKind component_kind = ComponentKind::loss;
  ComponentKind kind() const final { return component_kind; }

  virtual Feedback feedback() const = 0;
  virtual NegativesPerPositive negatives_per_positive() const { return NegativesPerPositive::one; }

  // What the host calls for implicit feedback: the scalar loss of one minibatch. With weights,
  // the reduction is the weighted mean sum(w * l) / sum(w) over the unmasked entries. The
  // default calls implicit_loss(positive, negative, mask) below, with mask * weights as the
  // mask when there are weights: exactly the weighted mean for a loss that reduces with
  // masked_mean (every shipped one does). A loss that reads the mask as 0/1 only, or that
  // reads negative_log_q, overrides this one.
  virtual torch::Tensor implicit_batch_loss(const ImplicitLossInput& input) const;
  // Implicit feedback: scalar loss of positive against negative scores. `mask` (the
  // positive's shape, 1 for real entries) is undefined when every entry counts; masked
  // entries must not contribute.
  virtual torch::Tensor implicit_loss(const torch::Tensor& positive, const torch::Tensor& negative,
                                      const torch::Tensor& mask) const;
  // True when implicit_batch_loss reads input.negative_log_q (a sampled softmax with the
  // log Q correction): the host then asks the sampler for its draws' probabilities, and refuses
  // a sampler that cannot report them when the model is assembled.
  virtual bool uses_negative_log_q() const { return false; }

  // What the host calls for explicit feedback. The default calls explicit_loss(observed,
  // scores) when there are no weights, and refuses weights (it cannot weight a mean it does
  // not see the terms of): a loss that takes weights overrides this one.
  virtual torch::Tensor explicit_batch_loss(const ExplicitLossInput& input) const;
  // Explicit feedback: scalar loss of the representation's raw `scores` against observed
  // ratings. The loss applies its own link (Poisson: exp; logistic: sigmoid) inside.
  virtual torch::Tensor explicit_loss(const torch::Tensor& observed, const torch::Tensor& scores) const;

  // A loss over the whole catalogue (a full softmax) says so here. The host then samples no
  // negatives: it scores every item for the real (unmasked) training positions, a bounded
  // number of rows at a time so that a large catalogue never needs a (positions x items)
  // tensor at once, and calls all_item_loss_terms for each chunk of rows. It reduces the
  // terms itself (their mean, or weighted mean), so chunking changes neither the loss nor its
  // gradients.
  virtual bool needs_all_item_scores() const { return false; }
  // `logits` (rows, num_items): every item's raw score for each row; items that cannot be
  // targets (the padding item of sequence models) are already -infinity. `positives` (rows):
  // each row's observed item. Returns the (rows) loss term of each row, differentiable in the
  // logits.
  virtual torch::Tensor all_item_loss_terms(const torch::Tensor& logits, const torch::Tensor& positives) const;
  // What a model trained with this loss predicts for raw scores: the identity for most
  // losses, exp(score) for a Poisson loss, sigmoid(score) for a logistic one.
  virtual torch::Tensor predictions(const torch::Tensor& scores) const { return scores; }
};

}  // namespace spotlight

namespace spotlight {

// Mean of `loss` over the entries where `mask` is non-zero (all entries when `mask` is
// undefined): what every implicit loss reduces with.
SPOTLIGHT_SDK_API torch::Tensor masked_mean(const torch::Tensor& loss, const torch::Tensor& mask);
// sum(w * loss) / sum(w) over the unmasked entries, w = mask * weights (either may be
// undefined; both undefined is the plain mean). The weights must be non-negative.
// Throws Error unless `input.negative` is shaped (num_negative_samples, ...positive's shape), what
// a loss with NegativesPerPositive::many needs (a negative of the positive's own shape would
// reduce over the batch and broadcast one value). `loss` names the loss in the message.
SPOTLIGHT_SDK_API void check_many_negatives(const ImplicitLossInput& input, const std::string& loss);
SPOTLIGHT_SDK_API torch::Tensor weighted_mean(const torch::Tensor& loss, const torch::Tensor& mask,
                                              const torch::Tensor& weights);

}  // namespace spotlight
