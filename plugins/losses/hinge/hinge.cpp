// hinge: Spotlight's hinge loss, max(0, negative - positive + 1), averaged over the unmasked entries.
#include <torch/torch.h>

#include "spotlight/sdk/hand_gradients.h"
#include "spotlight/sdk/loss.h"
#include "spotlight/sdk/plugin.h"

namespace {

class HingeLoss : public spotlight::Loss, public spotlight::HandGradientLoss {
 public:
  spotlight::Feedback feedback() const override { return spotlight::Feedback::implicit; }
  torch::Tensor implicit_loss(const torch::Tensor& positive, const torch::Tensor& negative,
                              const torch::Tensor& mask) const override {
    return spotlight::masked_mean(torch::clamp_min(negative - positive + 1.0, 0.0), mask);
  }

  // clamp_min passes the gradient where its input is >= 0, so a margin of exactly 0 counts.
  double implicit_score_gradients(const float* positive, const float* negative, int64_t n, int64_t,
                                  float* d_positive, float* d_negative) const override {
    double total = 0.0;
    const float scale = 1.0f / static_cast<float>(n);
    for (int64_t i = 0; i < n; ++i) {
      const float margin = negative[i] - positive[i] + 1.0f;
      const bool active = margin >= 0.0f;
      if (active) total += margin;
      d_negative[i] = active ? scale : 0.0f;
      d_positive[i] = -d_negative[i];
    }
    return total / static_cast<double>(n);
  }
};

std::shared_ptr<HingeLoss> make_hinge(const spotlight::ComponentArgs&) {
  return std::make_shared<HingeLoss>();
}

}  // namespace

SPOTLIGHT_PLUGIN(HingeLoss, make_hinge, "hinge", "1.0.0",
                 "Spotlight's hinge_loss: mean of max(0, negative - positive + 1)")
