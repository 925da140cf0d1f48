// logistic: Spotlight's logistic loss, mean BCE with logits of the scores against observed clamped to [0, 1].
#include <torch/torch.h>

#include "spotlight/sdk/loss.h"
#include "spotlight/sdk/plugin.h"

namespace {

class LogisticLoss : public spotlight::Loss {
 public:
  spotlight::Feedback feedback() const override { return spotlight::Feedback::explicit_ratings; }
  // Spotlight's ratings for this loss are +1/-1 (or 1/0); clamping maps -1 to the 0 label.
  torch::Tensor explicit_loss(const torch::Tensor& observed, const torch::Tensor& scores) const override {
    const torch::Tensor labels = torch::clamp(observed, 0.0, 1.0);
    return torch::binary_cross_entropy_with_logits(scores, labels);
  }
  torch::Tensor predictions(const torch::Tensor& scores) const override { return torch::sigmoid(scores); }
};

std::shared_ptr<spotlight::Component> make_logistic(const spotlight::ComponentArgs&) {
  return std::make_shared<LogisticLoss>();
}

}  // namespace

SPOTLIGHT_PLUGIN(make_logistic, "logistic", spotlight::ComponentKind::loss, "1.0.0",
                 "Spotlight's logistic_loss: mean binary cross-entropy with logits against observed clamped to [0, 1]")
