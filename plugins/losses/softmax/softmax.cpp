// softmax: cross-entropy of each positive against every item of the catalogue (a full softmax),
// logsumexp over all items' scores minus the positive's score, mean over the real positions.
// The host scores the catalogue in bounded chunks of rows (needs_all_item_scores), so this loss
// only turns one chunk of scores into its rows' terms.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include <torch/torch.h>

#include "softmax_rows.h"
#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/loss.h"
#include "spotlight/sdk/plugin.h"

namespace {

bool fused(const torch::Tensor& logits) { return logits.device().is_cpu() && logits.scalar_type() == torch::kFloat32; }

// -log softmax(logits)[positive] per row as one autograd node. On CPU float tensors the forward
// pass keeps each row's exponentials and one over their sum, so the backward pass is g *
// (softmax - one_hot(positive)) in one pass over the chunk, with no second exponential and no
// pass of its own for the division (the loops above, at the machine's vector width).
// Elsewhere LibTorch's ops, keeping the probabilities.
class SoftmaxCrossEntropy : public torch::autograd::Function<SoftmaxCrossEntropy> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* context, const torch::Tensor& logits,
                               const torch::Tensor& positives) {
    const auto index = positives.unsqueeze(1);
    torch::Tensor kept, inverse_sums, log_normalisers;
    if (fused(logits) && positives.scalar_type() == torch::kInt64) {
      const auto scores = logits.contiguous();
      kept = torch::empty_like(scores);
      inverse_sums = torch::empty({scores.size(0)}, scores.options());
      log_normalisers = torch::empty({scores.size(0)}, scores.options());
      softmax_rows::exponentials(scores.data_ptr<float>(), scores.size(0), scores.size(1), kept.data_ptr<float>(),
                                 inverse_sums.data_ptr<float>(), log_normalisers.data_ptr<float>());
    } else {
      kept = torch::softmax(logits, 1);
      log_normalisers = torch::logsumexp(logits, 1);
    }
    context->save_for_backward({kept, index, inverse_sums});
    return log_normalisers - logits.gather(1, index).squeeze(1);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::variable_list output_gradients) {
    const auto saved = context->get_saved_variables();
    const auto& kept = saved[0];
    const auto& index = saved[1];
    const auto& inverse_sums = saved[2];
    const auto g = output_gradients[0].contiguous();
    if (inverse_sums.defined()) {
      // The exponentials are read by nothing else: the gradient is written over them, so a
      // second backward pass through this node (retain_graph) would read a gradient.
      if (context->saved_data.count("spent")) {
        throw spotlight::Error("softmax: its scores' graph was differentiated twice; the loss keeps its "
                               "probabilities for one backward pass only");
      }
      context->saved_data["spent"] = true;
      const auto positives = index.contiguous();
      softmax_rows::cross_entropy_gradient(kept.data_ptr<float>(), inverse_sums.data_ptr<float>(),
                                           positives.data_ptr<int64_t>(), g.data_ptr<float>(), kept.size(0),
                                           kept.size(1));
      return {kept, torch::Tensor()};
    }
    auto d_logits = kept * g.unsqueeze(1);
    d_logits.scatter_add_(1, index, g.unsqueeze(1).neg());
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
