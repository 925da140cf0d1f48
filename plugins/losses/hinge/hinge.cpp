// hinge: Spotlight's hinge loss, max(0, negative - positive + 1), averaged over the unmasked entries.
#include <torch/torch.h>

#include "spotlight/sdk/loss.h"
#include "spotlight/sdk/plugin.h"

namespace {

class HingeLoss : public spotlight::Loss {
 public:
  spotlight::Feedback feedback() const override { return spotlight::Feedback::implicit; }
  torch::Tensor implicit_loss(const torch::Tensor& positive, const torch::Tensor& negative,
                              const torch::Tensor& mask) const override {
    return spotlight::masked_mean(torch::clamp_min(negative - positive + 1.0, 0.0), mask);
  }
};

std::shared_ptr<spotlight::Component> make_hinge(const spotlight::ComponentArgs&) {
  return std::make_shared<HingeLoss>();
}

}  // namespace

SPOTLIGHT_PLUGIN(make_hinge, "hinge", spotlight::ComponentKind::loss, "1.0.0",
                 "Spotlight's hinge_loss: mean of max(0, negative - positive + 1)")
