// bpr_max: GRU4Rec's BPR-max (Hidasi & Karatzoglou, "Recurrent Neural Networks with Top-k Gains
// for Session-based Recommendations", arXiv 1706.03847). With s_j the softmax of the negative
// scores r_j over a positive's negatives,
//   loss = -log(sum_j s_j * sigmoid(r+ - r_j)) + score_regularization * sum_j s_j * r_j^2,
// masked (weighted) mean. The softmax weights make the hardest negatives count most, so the
// loss keeps learning when most sampled negatives are already far below the positive.
#include <torch/torch.h>

#include "spotlight/sdk/loss.h"
#include "spotlight/sdk/plugin.h"

namespace {

class BprMaxLoss : public spotlight::Loss {
 public:
  explicit BprMaxLoss(double score_regularization) : score_regularization_(score_regularization) {}

  spotlight::Feedback feedback() const override { return spotlight::Feedback::implicit; }
  spotlight::NegativesPerPositive negatives_per_positive() const override {
    return spotlight::NegativesPerPositive::many;
  }

  torch::Tensor implicit_batch_loss(const spotlight::ImplicitLossInput& input) const override {
    spotlight::check_many_negatives(input, "bpr_max");
    const torch::Tensor& negative = input.negative;
    const torch::Tensor log_weights = torch::log_softmax(negative, 0);
    // log(sum_j s_j sigmoid(d_j)) as a logsumexp of log s_j + log sigmoid(d_j): no log of a sum
    // that underflowed to 0 (GRU4Rec adds 1e-24 inside the log instead).
    const torch::Tensor ranking =
        -torch::logsumexp(log_weights + torch::log_sigmoid(input.positive.unsqueeze(0) - negative), 0);
    const torch::Tensor regularization = (log_weights.exp() * negative.square()).sum(0);
    return spotlight::weighted_mean(ranking + score_regularization_ * regularization, input.mask, input.weights);
  }

  torch::Tensor implicit_loss(const torch::Tensor& positive, const torch::Tensor& negative,
                              const torch::Tensor& mask) const override {
    return implicit_batch_loss({positive, negative, mask});
  }

 private:
  double score_regularization_;
};

std::shared_ptr<BprMaxLoss> make_bpr_max(const spotlight::ComponentArgs& args) {
  return std::make_shared<BprMaxLoss>(args.number("score_regularization"));
}

}  // namespace

SPOTLIGHT_PLUGIN(BprMaxLoss, make_bpr_max, "bpr_max", "1.0.0",
                 "GRU4Rec's BPR-max: -log(sum_j softmax_j * sigmoid(positive - negative_j)) plus a softmax-weighted "
                 "penalty on the negatives' squared scores",
                 {spotlight::Parameter::number("score_regularization", 1.0,
                                               "Weight of sum_j softmax_j * negative_j^2 (GRU4Rec's bpreg, default 1.0)")
                      .at_least(0)})
