// logistic: Spotlight's logistic loss, mean BCE with logits of the scores against observed clamped to [0, 1].
#include <algorithm>
#include <cmath>

#include <torch/torch.h>

#include "spotlight/sdk/hand_gradients.h"
#include "spotlight/sdk/loss.h"
#include "spotlight/sdk/plugin.h"

namespace {

class LogisticLoss : public spotlight::Loss, public spotlight::HandGradientLoss {
 public:
  spotlight::Feedback feedback() const override { return spotlight::Feedback::explicit_ratings; }
  // Spotlight's ratings for this loss are +1/-1 (or 1/0); clamping maps -1 to the 0 label.
  torch::Tensor explicit_loss(const torch::Tensor& observed, const torch::Tensor& scores) const override {
    const torch::Tensor labels = torch::clamp(observed, 0.0, 1.0);
    return torch::binary_cross_entropy_with_logits(scores, labels);
  }
  // Weighted: the weighted mean of the same terms; unweighted, exactly explicit_loss.
  torch::Tensor explicit_batch_loss(const spotlight::ExplicitLossInput& input) const override {
    if (!input.weights.defined()) return explicit_loss(input.observed, input.scores);
    return spotlight::weighted_mean(torch::binary_cross_entropy_with_logits(input.scores, torch::clamp(input.observed, 0.0, 1.0), {}, {},
                                                                    at::Reduction::None), torch::Tensor(), input.weights);
  }
  torch::Tensor predictions(const torch::Tensor& scores) const override { return torch::sigmoid(scores); }

  // Binary cross-entropy with logits, written the overflow-free way: max(s, 0) - s y + log(1 + e^-|s|).
  double explicit_score_gradients(const float* observed, const float* scores, int64_t n,
                                  float* d_scores) const override {
    double total = 0.0;
    const float scale = 1.0f / static_cast<float>(n);
    for (int64_t i = 0; i < n; ++i) {
      const float label = std::min(std::max(observed[i], 0.0f), 1.0f);
      const float s = scores[i];
      total += std::max(s, 0.0f) - s * label + std::log1p(std::exp(-std::abs(s)));
      d_scores[i] = (spotlight::logistic(s) - label) * scale;
    }
    return total / static_cast<double>(n);
  }
};

std::shared_ptr<LogisticLoss> make_logistic(const spotlight::ComponentArgs&) {
  return std::make_shared<LogisticLoss>();
}

}  // namespace

SPOTLIGHT_PLUGIN(LogisticLoss, make_logistic, "logistic", "1.0.0",
                 "Spotlight's logistic_loss: mean binary cross-entropy with logits against observed clamped to [0, 1]")
