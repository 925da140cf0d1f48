// pointwise: Spotlight's pointwise loss, (1 - sigmoid(positive)) + sigmoid(negative) with no log, masked mean.
#include <torch/torch.h>

#include "spotlight/sdk/hand_gradients.h"
#include "spotlight/sdk/loss.h"
#include "spotlight/sdk/plugin.h"

namespace {

class PointwiseLoss : public spotlight::Loss, public spotlight::HandGradientLoss {
 public:
  spotlight::Feedback feedback() const override { return spotlight::Feedback::implicit; }
  torch::Tensor implicit_loss(const torch::Tensor& positive, const torch::Tensor& negative,
                              const torch::Tensor& mask) const override {
    return spotlight::masked_mean((1.0 - torch::sigmoid(positive)) + torch::sigmoid(negative), mask);
  }

  double implicit_score_gradients(const float* positive, const float* negative, int64_t n, int64_t,
                                  float* d_positive, float* d_negative) const override {
    double total = 0.0;
    const float scale = 1.0f / static_cast<float>(n);
    for (int64_t i = 0; i < n; ++i) {
      const float p = spotlight::logistic(positive[i]);
      const float q = spotlight::logistic(negative[i]);
      total += (1.0 - p) + q;
      d_positive[i] = -p * (1.0f - p) * scale;
      d_negative[i] = q * (1.0f - q) * scale;
    }
    return total / static_cast<double>(n);
  }
};

std::shared_ptr<PointwiseLoss> make_pointwise(const spotlight::ComponentArgs&) {
  return std::make_shared<PointwiseLoss>();
}

}  // namespace

SPOTLIGHT_PLUGIN(PointwiseLoss, make_pointwise, "pointwise", "1.0.0",
                 "Spotlight's pointwise_loss: mean of (1 - sigmoid(positive)) + sigmoid(negative)")
