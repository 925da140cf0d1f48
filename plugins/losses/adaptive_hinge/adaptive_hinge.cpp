// adaptive_hinge: Spotlight's hinge max(0, hardest negative - positive + 1) over many negatives, masked mean.
#include <string>

#include <torch/torch.h>

#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/hand_gradients.h"
#include "spotlight/sdk/loss.h"
#include "spotlight/sdk/plugin.h"

namespace {

class AdaptiveHingeLoss : public spotlight::Loss, public spotlight::HandGradientLoss {
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

  // Only the hardest negative of each positive (the first, among equals, as max does) gets a gradient.
  double implicit_score_gradients(const float* positive, const float* negative, int64_t n, int64_t samples,
                                  float* d_positive, float* d_negative) const override {
    double total = 0.0;
    const float scale = 1.0f / static_cast<float>(n);
    for (int64_t i = 0; i < n; ++i) {
      int64_t hardest = 0;
      for (int64_t j = 0; j < samples; ++j) {
        d_negative[j * n + i] = 0.0f;
        if (negative[j * n + i] > negative[hardest * n + i]) hardest = j;
      }
      const float margin = negative[hardest * n + i] - positive[i] + 1.0f;
      const bool active = margin >= 0.0f;
      if (active) total += margin;
      d_negative[hardest * n + i] = active ? scale : 0.0f;
      d_positive[i] = active ? -scale : 0.0f;
    }
    return total / static_cast<double>(n);
  }
};

std::shared_ptr<AdaptiveHingeLoss> make_adaptive_hinge(const spotlight::ComponentArgs&) {
  return std::make_shared<AdaptiveHingeLoss>();
}

}  // namespace

SPOTLIGHT_PLUGIN(AdaptiveHingeLoss, make_adaptive_hinge, "adaptive_hinge", "1.0.0",
                 "Spotlight's adaptive_hinge_loss: mean of max(0, hardest negative - positive + 1)")
