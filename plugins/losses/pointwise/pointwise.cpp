// pointwise: Spotlight's pointwise loss, (1 - sigmoid(positive)) + sigmoid(negative) with no log, masked mean.
#include <torch/torch.h>

#include "spotlight/sdk/loss.h"
#include "spotlight/sdk/plugin.h"

namespace {

class PointwiseLoss : public spotlight::Loss {
 public:
  spotlight::Feedback feedback() const override { return spotlight::Feedback::implicit; }
  torch::Tensor implicit_loss(const torch::Tensor& positive, const torch::Tensor& negative,
                              const torch::Tensor& mask) const override {
    return spotlight::masked_mean((1.0 - torch::sigmoid(positive)) + torch::sigmoid(negative), mask);
  }
};

std::shared_ptr<spotlight::Component> make_pointwise(const spotlight::ComponentArgs&) {
  return std::make_shared<PointwiseLoss>();
}

}  // namespace

SPOTLIGHT_PLUGIN(make_pointwise, "pointwise", spotlight::ComponentKind::loss, "1.0.0",
                 "Spotlight's pointwise_loss: mean of (1 - sigmoid(positive)) + sigmoid(negative)")
