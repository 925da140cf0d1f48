// adaptive_hinge: Spotlight's hinge max(0, hardest negative - positive + 1) over many negatives, masked mean.
#include <string>

#include <torch/torch.h>

#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/loss.h"
#include "spotlight/sdk/plugin.h"

namespace {

class AdaptiveHingeLoss : public spotlight::Loss {
 public:
  spotlight::Feedback feedback() const override { return spotlight::Feedback::implicit; }
  spotlight::NegativesPerPositive negatives_per_positive() const override {
    return spotlight::NegativesPerPositive::many;
  }
  torch::Tensor implicit_loss(const torch::Tensor& positive, const torch::Tensor& negative,
                              const torch::Tensor& mask) const override {
    // A negative of the positive's own shape would reduce over the batch and broadcast one value: refuse it.
    if (negative.dim() != positive.dim() + 1) {
      throw spotlight::Error("adaptive_hinge expects negative scores shaped (num_negative_samples, ...positive's "
                             "shape), got " + std::to_string(negative.dim()) + " dimensions for a " +
                             std::to_string(positive.dim()) + "-dimensional positive");
    }
    // max (not amax) sends the gradient to the single hardest negative, as torch.max(x, 0) does in Spotlight.
    // Spotlight also squeezes the result; keeping the positive's shape is the same loss and survives a batch of 1.
    const torch::Tensor hardest = std::get<0>(negative.max(/*dim=*/0));
    return spotlight::masked_mean(torch::clamp_min(hardest - positive + 1.0, 0.0), mask);
  }
};

std::shared_ptr<spotlight::Component> make_adaptive_hinge(const spotlight::ComponentArgs&) {
  return std::make_shared<AdaptiveHingeLoss>();
}

}  // namespace

SPOTLIGHT_PLUGIN(make_adaptive_hinge, "adaptive_hinge", spotlight::ComponentKind::loss, "1.0.0",
                 "Spotlight's adaptive_hinge_loss: mean of max(0, hardest negative - positive + 1)")
