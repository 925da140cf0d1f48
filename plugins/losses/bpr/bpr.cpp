// bpr: Bayesian personalised ranking as Spotlight defines it, 1 - sigmoid(positive - negative)
// (no logarithm), averaged over the unmasked entries.
#include <torch/torch.h>

#include "spotlight/sdk/loss.h"
#include "spotlight/sdk/plugin.h"

namespace {

class BprLoss : public spotlight::Loss {
 public:
  spotlight::Feedback feedback() const override { return spotlight::Feedback::implicit; }
  torch::Tensor implicit_loss(const torch::Tensor& positive, const torch::Tensor& negative,
                              const torch::Tensor& mask) const override {
    return spotlight::masked_mean(1.0 - torch::sigmoid(positive - negative), mask);
  }
};

std::shared_ptr<spotlight::Component> make_bpr(const spotlight::ComponentArgs&) { return std::make_shared<BprLoss>(); }

}  // namespace

SPOTLIGHT_PLUGIN(make_bpr, "bpr", spotlight::ComponentKind::loss, "1.0.0",
                 "Bayesian personalised ranking: mean of 1 - sigmoid(positive - negative)")
