// poisson: Spotlight's Poisson loss on the rate exp(score), mean(exp(score) - observed * score).
#include <cmath>

#include <torch/torch.h>

#include "spotlight/sdk/hand_gradients.h"
#include "spotlight/sdk/loss.h"
#include "spotlight/sdk/plugin.h"

namespace {

class PoissonLoss : public spotlight::Loss, public spotlight::HandGradientLoss {
 public:
  spotlight::Feedback feedback() const override { return spotlight::Feedback::explicit_ratings; }
  // Spotlight feeds rate = exp(score) into rate - observed * log(rate); log(exp(score)) is the score itself, and
  // using it directly avoids the log of an exp that underflowed to 0.
  torch::Tensor explicit_loss(const torch::Tensor& observed, const torch::Tensor& scores) const override {
    return (torch::exp(scores) - observed * scores).mean();
  }
  // Weighted: the weighted mean of the same terms; unweighted, exactly explicit_loss.
  torch::Tensor explicit_batch_loss(const spotlight::ExplicitLossInput& input) const override {
    if (!input.weights.defined()) return explicit_loss(input.observed, input.scores);
    return spotlight::weighted_mean(torch::exp(input.scores) - input.observed * input.scores, torch::Tensor(), input.weights);
  }
  torch::Tensor predictions(const torch::Tensor& scores) const override { return torch::exp(scores); }

  double explicit_score_gradients(const float* observed, const float* scores, int64_t n,
                                  float* d_scores) const override {
    double total = 0.0;
    const float scale = 1.0f / static_cast<float>(n);
    for (int64_t i = 0; i < n; ++i) {
      const float rate = std::exp(scores[i]);
      total += rate - observed[i] * scores[i];
      d_scores[i] = (rate - observed[i]) * scale;
    }
    return total / static_cast<double>(n);
  }
};

std::shared_ptr<PoissonLoss> make_poisson(const spotlight::ComponentArgs&) {
  return std::make_shared<PoissonLoss>();
}

}  // namespace

SPOTLIGHT_PLUGIN(PoissonLoss, make_poisson, "poisson", "1.0.0",
                 "Spotlight's poisson_loss on exp(score): mean of exp(score) - observed * score")
