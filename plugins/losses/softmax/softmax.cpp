// softmax: cross-entropy of each positive against every item of the catalogue (a full softmax),
// logsumexp over all items' scores minus the positive's score, mean over the real positions.
// The host scores the catalogue in bounded chunks of rows (needs_all_item_scores), so this loss
// only turns one chunk of scores into its rows' terms.
#include <torch/torch.h>

#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/loss.h"
#include "spotlight/sdk/plugin.h"

namespace {

class SoftmaxLoss : public spotlight::Loss {
 public:
  spotlight::Feedback feedback() const override { return spotlight::Feedback::implicit; }
  bool needs_all_item_scores() const override { return true; }

  torch::Tensor all_item_loss_terms(const torch::Tensor& logits, const torch::Tensor& positives) const override {
    if (logits.dim() != 2 || positives.dim() != 1 || positives.size(0) != logits.size(0)) {
      throw spotlight::Error("softmax expects (rows, items) scores and one positive per row, got scores " +
                             c10::str(logits.sizes()) + " and positives " + c10::str(positives.sizes()));
    }
    const torch::Tensor positive = logits.gather(1, positives.unsqueeze(1)).squeeze(1);
    return torch::logsumexp(logits, 1) - positive;
  }

  torch::Tensor implicit_batch_loss(const spotlight::ImplicitLossInput&) const override {
    throw spotlight::Error("softmax compares each positive with every item, not with sampled negatives: the model "
                           "must give it every item's scores (all_item_loss_terms)");
  }
};

std::shared_ptr<SoftmaxLoss> make_softmax(const spotlight::ComponentArgs&) { return std::make_shared<SoftmaxLoss>(); }

}  // namespace

SPOTLIGHT_PLUGIN(SoftmaxLoss, make_softmax, "softmax", "1.0.0",
                 "Cross-entropy of each positive against every item's score (a full softmax; no sampler needed)")
