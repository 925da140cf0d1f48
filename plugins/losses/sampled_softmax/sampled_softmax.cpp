// sampled_softmax: cross-entropy of each positive against its sampled negatives,
// -log(exp(s+) / (exp(s+) + sum_j exp(s-_j))), masked (weighted) mean. With logq_correction each
// negative's score is lowered by log Q(item), the log probability the sampler drew it with
// (Yi et al., "Sampling-bias-corrected neural modeling for large corpus item recommendations",
// RecSys 2019), so that popular items drawn often are not pushed down more than the full
// softmax would push them.
#include <torch/torch.h>

#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/loss.h"
#include "spotlight/sdk/plugin.h"

namespace {

class SampledSoftmaxLoss : public spotlight::Loss {
 public:
  explicit SampledSoftmaxLoss(bool logq_correction) : logq_correction_(logq_correction) {}

  spotlight::Feedback feedback() const override { return spotlight::Feedback::implicit; }
  spotlight::NegativesPerPositive negatives_per_positive() const override {
    return spotlight::NegativesPerPositive::many;
  }
  bool uses_negative_log_q() const override { return logq_correction_; }

  torch::Tensor implicit_batch_loss(const spotlight::ImplicitLossInput& input) const override {
    spotlight::check_many_negatives(input, "sampled_softmax");
    torch::Tensor negative = input.negative;
    if (logq_correction_) {
      if (!input.negative_log_q.defined()) {
        throw spotlight::Error("sampled_softmax with logq_correction needs each negative's log probability, and "
                               "none was given");
      }
      negative = negative - input.negative_log_q.to(negative.scalar_type());
    }
    // The positive is class 0 of a (1 + samples)-way softmax along dimension 0.
    const torch::Tensor logits = torch::cat({input.positive.unsqueeze(0), negative}, 0);
    const torch::Tensor cross_entropy = torch::logsumexp(logits, 0) - input.positive;
    return spotlight::weighted_mean(cross_entropy, input.mask, input.weights);
  }

  torch::Tensor implicit_loss(const torch::Tensor& positive, const torch::Tensor& negative,
                              const torch::Tensor& mask) const override {
    return implicit_batch_loss({positive, negative, mask});
  }

 private:
  bool logq_correction_;
};

std::shared_ptr<SampledSoftmaxLoss> make_sampled_softmax(const spotlight::ComponentArgs& args) {
  return std::make_shared<SampledSoftmaxLoss>(args.boolean("logq_correction"));
}

}  // namespace

SPOTLIGHT_PLUGIN(SampledSoftmaxLoss, make_sampled_softmax, "sampled_softmax", "1.0.0",
                 "Cross-entropy of each positive against its sampled negatives (a sampled softmax)",
                 {spotlight::Parameter::boolean("logq_correction", false,
                                                "Subtract log Q(item), the sampler's probability of drawing it, from "
                                                "each negative's score (needs a sampler that reports probabilities)")})
