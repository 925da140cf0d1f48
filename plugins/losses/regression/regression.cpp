// regression: Spotlight's regression loss, the mean squared error of the raw scores against observed ratings.
#include <torch/torch.h>

#include "spotlight/sdk/hand_gradients.h"
#include "spotlight/sdk/loss.h"
#include "spotlight/sdk/plugin.h"

namespace {

// Scores are ratings directly, so the base class's identity predictions() is the right link.
class RegressionLoss : public spotlight::Loss, public spotlight::HandGradientLoss {
 public:
  spotlight::Feedback feedback() const override { return spotlight::Feedback::explicit_ratings; }
  torch::Tensor explicit_loss(const torch::Tensor& observed, const torch::Tensor& scores) const override {
    return (observed - scores).pow(2).mean();
  }
  // Weighted: the weighted mean of the same terms; unweighted, exactly explicit_loss.
  torch::Tensor explicit_batch_loss(const spotlight::ExplicitLossInput& input) const override {
    if (!input.weights.defined()) return explicit_loss(input.observed, input.scores);
    return spotlight::weighted_mean((input.observed - input.scores).pow(2), torch::Tensor(), input.weights);
  }

  double explicit_score_gradients(const float* observed, const float* scores, int64_t n,
                                  float* d_scores) const override {
    double total = 0.0;
    const float scale = 2.0f / static_cast<float>(n);
    for (int64_t i = 0; i < n; ++i) {
      const float error = scores[i] - observed[i];
      total += static_cast<double>(error) * error;
      d_scores[i] = error * scale;
    }
    return total / static_cast<double>(n);
  }
};

std::shared_ptr<RegressionLoss> make_regression(const spotlight::ComponentArgs&) {
  return std::make_shared<RegressionLoss>();
}

}  // namespace

SPOTLIGHT_PLUGIN(RegressionLoss, make_regression, "regression", "1.0.0",
                 "Spotlight's regression_loss: mean of (observed - score)^2")
