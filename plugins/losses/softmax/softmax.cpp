// softmax: cross-entropy of each positive against every item of the catalogue (a full softmax),
// logsumexp over all items' scores minus the positive's score, mean over the real positions.
// The host scores the catalogue in bounded chunks of rows (needs_all_item_scores), so this loss
// only turns one chunk of scores into its rows' terms.
#include <torch/torch.h>

#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/loss.h"
#include "spotlight/sdk/plugin.h"

namespace {

// -log softmax(logits)[positive] per row as one autograd node: the forward pass keeps the
// rows' log-probabilities (one fused kernel per row), the backward pass turns them into
// g * (softmax - one_hot(positive)) in two passes over the chunk. Autograd's own chain
// (logsumexp, gather, their backward passes) walked the (rows, items) chunk about ten times.
class SoftmaxCrossEntropy : public torch::autograd::Function<SoftmaxCrossEntropy> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* context, const torch::Tensor& logits,
                               const torch::Tensor& positives) {
    const auto log_probabilities = torch::log_softmax(logits, 1);
    const auto index = positives.unsqueeze(1);
    context->save_for_backward({log_probabilities, index});
    return log_probabilities.gather(1, index).squeeze(1).neg();
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::variable_list output_gradients) {
    const auto saved = context->get_saved_variables();
    const auto& index = saved[1];
    const auto g = output_gradients[0].unsqueeze(1);
    auto d_logits = saved[0].exp().mul_(g);
    d_logits.scatter_add_(1, index, g.neg());
    return {d_logits, torch::Tensor()};
  }
};

class SoftmaxLoss : public spotlight::Loss {
 public:
  spotlight::Feedback feedback() const override { return spotlight::Feedback::implicit; }
  bool needs_all_item_scores() const override { return true; }

  torch::Tensor all_item_loss_terms(const torch::Tensor& logits, const torch::Tensor& positives) const override {
    if (logits.dim() != 2 || positives.dim() != 1 || positives.size(0) != logits.size(0)) {
      throw spotlight::Error("softmax expects (rows, items) scores and one positive per row, got scores " +
                             c10::str(logits.sizes()) + " and positives " + c10::str(positives.sizes()));
    }
    return SoftmaxCrossEntropy::apply(logits, positives);
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
