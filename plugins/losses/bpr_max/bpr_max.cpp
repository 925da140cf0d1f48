// bpr_max: GRU4Rec's BPR-max (Hidasi & Karatzoglou, "Recurrent Neural Networks with Top-k Gains
// for Session-based Recommendations", arXiv 1706.03847). With s_j the softmax of the negative
// scores r_j over a positive's negatives,
//   loss = -log(sum_j s_j * sigmoid(r+ - r_j)) + score_regularization * sum_j s_j * r_j^2,
// masked (weighted) mean. The softmax weights make the hardest negatives count most, so the
// loss keeps learning when most sampled negatives are already far below the positive.
#include <torch/torch.h>

#include "bpr_max_terms.h"
#include "spotlight/sdk/loss.h"
#include "spotlight/sdk/plugin.h"

namespace {

// The per-positive terms in LibTorch's ops (any device and type).
torch::Tensor terms_by_ops(const torch::Tensor& positive, const torch::Tensor& negative, double regularization) {
  const torch::Tensor log_weights = torch::log_softmax(negative, 0);
  // log(sum_j s_j sigmoid(d_j)) as a logsumexp of log s_j + log sigmoid(d_j): no log of a sum
  // that underflowed to 0 (GRU4Rec adds 1e-24 inside the log instead).
  const torch::Tensor ranking =
      -torch::logsumexp(log_weights + torch::log_sigmoid(positive.unsqueeze(0) - negative), 0);
  return ranking + regularization * (log_weights.exp() * negative.square()).sum(0);
}

// The same terms as one autograd node on CPU float tensors: one pass over the negatives for
// their maximum and one for every sum, and a backward pass of arithmetic on what the forward
// pass kept (bpr_max_terms.h). LibTorch's ops take a dozen passes over the (samples x
// positions) scores, forward and backward.
class BprMaxTerms : public torch::autograd::Function<BprMaxTerms> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* context, const torch::Tensor& positive,
                               const torch::Tensor& negative, double regularization) {
    const auto positives = positive.contiguous();
    const auto negatives = negative.contiguous();
    const int64_t samples = negatives.size(0), count = positives.numel();
    const auto per_pair = torch::empty({3, samples, count}, negatives.options());
    const auto per_positive = torch::empty({3, count}, positives.options());
    auto terms = torch::empty_like(positives);
    bpr_max_terms::forward(positives.data_ptr<float>(), negatives.data_ptr<float>(), samples, count, regularization,
                           terms.data_ptr<float>(), saved(per_pair, per_positive));
    context->save_for_backward({negatives, per_pair, per_positive});
    context->saved_data["regularization"] = regularization;
    return terms;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::variable_list output_gradients) {
    const auto kept = context->get_saved_variables();
    const auto& negatives = kept[0];
    const int64_t samples = negatives.size(0), count = kept[2].size(1);
    const double regularization = context->saved_data["regularization"].toDouble();
    const auto g = output_gradients[0].contiguous();
    auto d_positives = torch::empty_like(g);
    auto d_negatives = torch::empty_like(negatives);
    const bpr_max_terms::Saved terms = saved(kept[1], kept[2]);
    bpr_max_terms::backward(negatives.data_ptr<float>(), samples, count, regularization, g.data_ptr<float>(), terms,
                            d_positives.data_ptr<float>(), d_negatives.data_ptr<float>());
    return {d_positives, d_negatives, torch::Tensor()};
  }

 private:
  static bpr_max_terms::Saved saved(const torch::Tensor& per_pair, const torch::Tensor& per_positive) {
    const int64_t pairs = per_pair.size(1) * per_pair.size(2), count = per_positive.size(1);
    float* pair = per_pair.data_ptr<float>();
    float* positive = per_positive.data_ptr<float>();
    return {pair, pair + pairs, pair + 2 * pairs, positive, positive + count, positive + 2 * count};
  }
};

bool fused(const torch::Tensor& positive, const torch::Tensor& negative) {
  return positive.device().is_cpu() && negative.device().is_cpu() && positive.scalar_type() == torch::kFloat32 &&
         negative.scalar_type() == torch::kFloat32 && positive.numel() > 0 && negative.size(0) > 0;
}

class BprMaxLoss : public spotlight::Loss {
 public:
  explicit BprMaxLoss(double score_regularization) : score_regularization_(score_regularization) {}

  spotlight::Feedback feedback() const override { return spotlight::Feedback::implicit; }
  spotlight::NegativesPerPositive negatives_per_positive() const override {
    return spotlight::NegativesPerPositive::many;
  }

  torch::Tensor implicit_batch_loss(const spotlight::ImplicitLossInput& input) const override {
    spotlight::check_many_negatives(input, "bpr_max");
    const torch::Tensor terms = fused(input.positive, input.negative)
                                    ? BprMaxTerms::apply(input.positive, input.negative, score_regularization_)
                                    : terms_by_ops(input.positive, input.negative, score_regularization_);
    return spotlight::weighted_mean(terms, input.mask, input.weights);
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
