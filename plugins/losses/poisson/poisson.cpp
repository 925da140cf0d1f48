// poisson: Spotlight's Poisson loss on the rate exp(score), mean(exp(score) - observed * score).
#include <torch/torch.h>

#include "spotlight/sdk/loss.h"
#include "spotlight/sdk/plugin.h"

namespace {

class PoissonLoss : public spotlight::Loss {
 public:
  spotlight::Feedback feedback() const override { return spotlight::Feedback::explicit_ratings; }
  // Spotlight feeds rate = exp(score) into rate - observed * log(rate); log(exp(score)) is the score itself, and
  // using it directly avoids the log of an exp that underflowed to 0.
  torch::Tensor explicit_loss(const torch::Tensor& observed, const torch::Tensor& scores) const override {
    return (torch::exp(scores) - observed * scores).mean();
  }
  torch::Tensor predictions(const torch::Tensor& scores) const override { return torch::exp(scores); }
};

std::shared_ptr<spotlight::Component> make_poisson(const spotlight::ComponentArgs&) {
  return std::make_shared<PoissonLoss>();
}

}  // namespace

SPOTLIGHT_PLUGIN(make_poisson, "poisson", spotlight::ComponentKind::loss, "1.0.0",
                 "Spotlight's poisson_loss on exp(score): mean of exp(score) - observed * score")
