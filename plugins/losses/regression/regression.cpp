// regression: Spotlight's regression loss, the mean squared error of the raw scores against observed ratings.
#include <torch/torch.h>

#include "spotlight/sdk/loss.h"
#include "spotlight/sdk/plugin.h"

namespace {

// Scores are ratings directly, so the base class's identity predictions() is the right link.
class RegressionLoss : public spotlight::Loss {
 public:
  spotlight::Feedback feedback() const override { return spotlight::Feedback::explicit_ratings; }
  torch::Tensor explicit_loss(const torch::Tensor& observed, const torch::Tensor& scores) const override {
    return (observed - scores).pow(2).mean();
  }
};

std::shared_ptr<spotlight::Component> make_regression(const spotlight::ComponentArgs&) {
  return std::make_shared<RegressionLoss>();
}

}  // namespace

SPOTLIGHT_PLUGIN(make_regression, "regression", spotlight::ComponentKind::loss, "1.0.0",
                 "Spotlight's regression_loss: mean of (observed - score)^2")
