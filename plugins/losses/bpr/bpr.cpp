// bpr: Bayesian personalised ranking as Spotlight defines it, 1 - sigmoid(positive - negative)
// (no logarithm), averaged over the unmasked entries.
#include <torch/torch.h>

#include "spotlight/sdk/hand_gradients.h"
#include "spotlight/sdk/loss.h"
#include "spotlight/sdk/plugin.h"

namespace {

class BprLoss : public spotlight::Loss, public spotlight::HandGradientLoss {
 public:
  spotlight::Feedback feedback() const override { return spotlight::Feedback::implicit; }
  torch::Tensor implicit_loss(const torch::Tensor& positive, const torch::Tensor& negative,
                              const torch::Tensor& mask) const override {
    return spotlight::masked_mean(1.0 - torch::sigmoid(positive - negative), mask);
  }

  double implicit_score_gradients(const float* positive, const float* negative, int64_t n, int64_t,
                                  float* d_positive, float* d_negative) const override {
    double total = 0.0;
    const float scale = 1.0f / static_cast<float>(n);
    for (int64_t i = 0; i < n; ++i) {
      const float s = spotlight::logistic(positive[i] - negative[i]);
      total += 1.0 - s;
      d_negative[i] = s * (1.0f - s) * scale;
      d_positive[i] = -d_negative[i];
    }
    return total / static_cast<double>(n);
  }
};

std::shared_ptr<BprLoss> make_bpr(const spotlight::ComponentArgs&) { return std::make_shared<BprLoss>(); }

}  // namespace

SPOTLIGHT_PLUGIN(BprLoss, make_bpr, "bpr", "1.0.0",
                 "Bayesian personalised ranking: mean of 1 - sigmoid(positive - negative)")
