#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "models/plugin_fixture.h"
#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/loss.h"
#include "support/error_message.h"

namespace spotlight {
namespace {

using testing::PluginTest;

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// The expectations below are Spotlight's formulas worked out on doubles, never torch's own arithmetic.
class ImplicitLossPlugins : public PluginTest {
 protected:
  std::shared_ptr<Loss> loss(const std::string& name) { return build<Loss>({{"plugin", name}}, ComponentKind::loss); }

  // Three positions scored against one negative each: scores chosen so every hinge case (positive, clamped) occurs.
  const torch::Tensor positive_ = torch::tensor({1.0f, 0.0f, 2.0f});
  const torch::Tensor negative_ = torch::tensor({0.5f, 1.0f, -1.0f});
  // Only the first and third positions count.
  const torch::Tensor mask_ = torch::tensor({1.0f, 0.0f, 1.0f});
};

TEST_F(ImplicitLossPlugins, PointwiseIsLinearInTheSigmoidsWithoutALog) {
  auto pointwise = loss("pointwise");
  EXPECT_EQ(pointwise->feedback(), Feedback::implicit);
  EXPECT_EQ(pointwise->negatives_per_positive(), NegativesPerPositive::one);
  // Each position: (1 - sigmoid(positive)) + sigmoid(negative).
  const double first = (1 - sigmoid(1.0)) + sigmoid(0.5);
  const double second = (1 - sigmoid(0.0)) + sigmoid(1.0);
  const double third = (1 - sigmoid(2.0)) + sigmoid(-1.0);
  EXPECT_NEAR(pointwise->implicit_loss(positive_, negative_, torch::Tensor()).item<double>(),
              (first + second + third) / 3, 1e-6);
  EXPECT_NEAR(pointwise->implicit_loss(positive_, negative_, mask_).item<double>(), (first + third) / 2, 1e-6);
  EXPECT_THROW(pointwise->explicit_loss(positive_, negative_), Error);
}

TEST_F(ImplicitLossPlugins, HingeIsClampedAtZero) {
  auto hinge = loss("hinge");
  EXPECT_EQ(hinge->feedback(), Feedback::implicit);
  EXPECT_EQ(hinge->negatives_per_positive(), NegativesPerPositive::one);
  // Each position: max(0, negative - positive + 1):
  // max(0, 0.5 - 1 + 1) = 0.5;  max(0, 1 - 0 + 1) = 2;  max(0, -1 - 2 + 1) = max(0, -2) = 0.
  EXPECT_NEAR(hinge->implicit_loss(positive_, negative_, torch::Tensor()).item<double>(), (0.5 + 2.0 + 0.0) / 3,
              1e-6);
  // Masked: (0.5 + 0) / 2.
  EXPECT_NEAR(hinge->implicit_loss(positive_, negative_, mask_).item<double>(), 0.25, 1e-6);
  EXPECT_THROW(hinge->explicit_loss(positive_, negative_), Error);
}

TEST_F(ImplicitLossPlugins, AdaptiveHingeUsesOnlyTheHardestOfManyNegatives) {
  auto adaptive = loss("adaptive_hinge");
  EXPECT_EQ(adaptive->feedback(), Feedback::implicit);
  EXPECT_EQ(adaptive->negatives_per_positive(), NegativesPerPositive::many);
  // Shape (n = 3 samples, batch = 3): column j holds the negatives of positive j.
  auto negatives = torch::tensor({{0.5f, -2.0f, 0.5f}, {-1.0f, 0.25f, 0.9f}, {0.75f, -3.0f, -2.0f}}).requires_grad_();
  // Hardest negative per column: 0.75 (row 2), 0.25 (row 1), 0.9 (row 1). Hinge against positives 1, 0, 2:
  // max(0, 0.75 - 1 + 1) = 0.75;  max(0, 0.25 - 0 + 1) = 1.25;  max(0, 0.9 - 2 + 1) = 0 (inside the margin, no
  // gradient; kept off the kink at exactly 0, where torch's clamp passes the gradient).
  auto unmasked = adaptive->implicit_loss(positive_, negatives, torch::Tensor());
  EXPECT_NEAR(unmasked.item<double>(), (0.75 + 1.25 + 0.0) / 3, 1e-6);
  // Masked: (0.75 + 0) / 2.
  EXPECT_NEAR(adaptive->implicit_loss(positive_, negatives, mask_).item<double>(), 0.375, 1e-6);
  // Only the hardest negative of each position gets a gradient (1/3 from the mean), and none where the hinge is 0.
  unmasked.backward();
  const double third = 1.0 / 3;
  const double expected_gradient[3][3] = {{0, 0, 0}, {0, third, 0}, {third, 0, 0}};
  for (int sample = 0; sample < 3; ++sample) {
    for (int position = 0; position < 3; ++position) {
      EXPECT_NEAR(negatives.grad()[sample][position].item<double>(), expected_gradient[sample][position], 1e-6)
          << sample << "," << position;
    }
  }
  // One negative per positive is a host mistake: it must not be silently reduced over the batch.
  EXPECT_THROW(adaptive->implicit_loss(positive_, negative_, torch::Tensor()), Error);
  EXPECT_THROW(adaptive->explicit_loss(positive_, negative_), Error);
}

// Many-negative losses: three positions against two negatives each, column j holding position j's.
class ManyNegativeLossPlugins : public ImplicitLossPlugins {
 protected:
  std::shared_ptr<Loss> loss(const std::string& name, const nlohmann::json& options = nlohmann::json::object()) {
    nlohmann::json node = options;
    node["plugin"] = name;
    return build<Loss>(node, ComponentKind::loss);
  }
  ImplicitLossInput input(const torch::Tensor& mask = {}, const torch::Tensor& weights = {}) const {
    ImplicitLossInput batch;
    batch.positive = positive_;
    batch.negative = negatives_;
    batch.mask = mask;
    batch.weights = weights;
    return batch;
  }
  // Positives 1, 0, 2 (positive_) against negatives (0, -1), (1, 0), (0, 2).
  const torch::Tensor negatives_ = torch::tensor({{0.0f, 1.0f, 0.0f}, {-1.0f, 0.0f, 2.0f}});
  const torch::Tensor weights_ = torch::tensor({2.0f, 5.0f, 1.0f});
};

TEST_F(ManyNegativeLossPlugins, SampledSoftmaxIsTheCrossEntropyOfThePositiveAmongItsNegatives) {
  auto softmax = loss("sampled_softmax");
  EXPECT_EQ(softmax->feedback(), Feedback::implicit);
  EXPECT_EQ(softmax->negatives_per_positive(), NegativesPerPositive::many);
  EXPECT_FALSE(softmax->uses_negative_log_q());
  // log(e^s+ + sum_j e^s-_j) - s+:
  // position 0: log(e^1 + e^0 + e^-1) - 1 = log(2.718282 + 1 + 0.367879) - 1 = 1.407606 - 1 = 0.407606
  // position 1: log(e^0 + e^1 + e^0) - 0 = log(4.718282)                                 = 1.551445
  // position 2: log(e^2 + e^0 + e^2) - 2 = log(15.778112) - 2 = 2.758624 - 2             = 0.758624
  const double first = 0.407606, second = 1.551445, third = 0.758624;
  EXPECT_NEAR(softmax->implicit_batch_loss(input()).item<double>(), (first + second + third) / 3, 1e-5);
  // The old three-argument call is the same loss.
  EXPECT_NEAR(softmax->implicit_loss(positive_, negatives_, mask_).item<double>(), (first + third) / 2, 1e-5);
  EXPECT_NEAR(softmax->implicit_batch_loss(input(mask_)).item<double>(), (first + third) / 2, 1e-5);
  // Weights 2, 5, 1 with the second position masked: (2 * first + 1 * third) / (2 + 1).
  EXPECT_NEAR(softmax->implicit_batch_loss(input(mask_, weights_)).item<double>(), (2 * first + third) / 3, 1e-5);
  EXPECT_NEAR(softmax->implicit_batch_loss(input({}, weights_)).item<double>(),
              (2 * first + 5 * second + third) / 8, 1e-5);
  EXPECT_EQ(testing::error_message([&] { softmax->implicit_loss(positive_, negative_, torch::Tensor()); }),
            "sampled_softmax expects negative scores shaped (num_negative_samples, ...positive's shape), got [3] for "
            "a positive of shape [3]");
}

TEST_F(ManyNegativeLossPlugins, SampledSoftmaxWithLogQCorrectionLowersEachNegativeByItsLogProbability) {
  auto corrected = loss("sampled_softmax", {{"logq_correction", true}});
  EXPECT_TRUE(corrected->uses_negative_log_q());
  // The first sample of every position was drawn with probability 1/2, the second with 1/4:
  // s- - log Q = s- + log 2 and s- + log 4, so each exp(s-) is multiplied by 2 and 4.
  auto batch = input(mask_);
  batch.negative_log_q = torch::log(torch::tensor({{0.5f, 0.5f, 0.5f}, {0.25f, 0.25f, 0.25f}}));
  // position 0: log(e^1 + 2 e^0 + 4 e^-1) - 1 = log(2.718282 + 2 + 1.471518) - 1 = 1.822903 - 1 = 0.822903
  // position 2: log(e^2 + 2 e^0 + 4 e^2) - 2 = log(5 * 7.389056 + 2) - 2 = log(38.945280) - 2 = 1.662158
  EXPECT_NEAR(corrected->implicit_batch_loss(batch).item<double>(), (0.822903 + 1.662158) / 2, 1e-5);
  EXPECT_EQ(testing::error_message([&] { corrected->implicit_batch_loss(input()); }),
            "sampled_softmax with logq_correction needs each negative's log probability, and none was given");
}

TEST_F(ManyNegativeLossPlugins, BprMaxWeighsEachNegativeByItsSoftmax) {
  auto bpr_max = loss("bpr_max");
  EXPECT_EQ(bpr_max->negatives_per_positive(), NegativesPerPositive::many);
  // Position 0: positive 1, negatives 0 and -1. Softmax weights of (0, -1): 1/(1 + e^-1) = 0.731059 and
  // 0.268941. Sigmoids of the differences: sigmoid(1) = 0.731059, sigmoid(2) = 0.880797.
  //   -log(0.731059 * 0.731059 + 0.268941 * 0.880797) = -log(0.534447 + 0.236883) = -log(0.771330) = 0.259640
  //   penalty: 0.731059 * 0^2 + 0.268941 * 1 = 0.268941
  // Position 1: positive 0, negatives 1 and 0: weights 0.731059, 0.268941; sigmoid(-1) = 0.268941, sigmoid(0) = 0.5:
  //   -log(0.731059 * 0.268941 + 0.268941 * 0.5) = -log(0.196612 + 0.134471) = -log(0.331083) = 1.105387
  //   penalty: 0.731059 * 1 + 0 = 0.731059
  // Position 2: positive 2, negatives 0 and 2: weights 0.119203, 0.880797; sigmoid(2) = 0.880797, sigmoid(0) = 0.5:
  //   -log(0.119203 * 0.880797 + 0.880797 * 0.5) = -log(0.104994 + 0.440399) = -log(0.545393) = 0.606250
  //   penalty: 0.880797 * 4 = 3.523188
  const double first = 0.259640 + 0.268941, second = 1.105387 + 0.731059, third = 0.606250 + 3.523188;
  EXPECT_NEAR(bpr_max->implicit_batch_loss(input()).item<double>(), (first + second + third) / 3, 1e-5);
  EXPECT_NEAR(bpr_max->implicit_batch_loss(input(mask_, weights_)).item<double>(), (2 * first + third) / 3, 1e-5);
  // Without the penalty only the ranking terms remain.
  auto unregularized = loss("bpr_max", {{"score_regularization", 0.0}});
  EXPECT_NEAR(unregularized->implicit_loss(positive_, negatives_, mask_).item<double>(), (0.259640 + 0.606250) / 2,
              1e-5);
  EXPECT_THROW(bpr_max->explicit_loss(positive_, negative_), Error);
}

// On CPU float scores bpr_max runs as one node of its own loops; on double scores, as LibTorch's
// ops (log_softmax, log_sigmoid, logsumexp), an independent computation of the same loss. Both
// must give the same loss and gradients, with scores far apart in either direction too.
TEST_F(ManyNegativeLossPlugins, BprMaxLoopsMatchTheLossInLibTorchsOps) {
  torch::manual_seed(3);
  auto positive = torch::randn({4, 37}) * 2;
  auto negative = torch::randn({9, 4, 37}) * 2;
  positive[0][0] = -60.0f;  // every negative far above the positive: its sum must not underflow
  positive[1][1] = 60.0f;   // far below
  negative.select(1, 2).select(1, 2).fill_(0.5f);  // ties
  positive[2][2] = 0.5f;
  const auto mask = torch::rand({4, 37}).gt(0.2);
  const auto weights = torch::rand({4, 37}) + 0.5;
  for (const double regularization : {0.0, 1.0}) {
    auto bpr_max = loss("bpr_max", {{"score_regularization", regularization}});
    const auto run = [&](torch::ScalarType type) {
      auto p = positive.to(type).detach().clone().requires_grad_();
      auto n = negative.to(type).detach().clone().requires_grad_();
      ImplicitLossInput batch;
      batch.positive = p;
      batch.negative = n;
      batch.mask = mask;
      batch.weights = weights.to(type);
      auto value = bpr_max->implicit_batch_loss(batch);
      value.backward();
      return std::make_tuple(value.item<double>(), p.grad().to(torch::kFloat64), n.grad().to(torch::kFloat64));
    };
    const auto [loops, d_positive, d_negative] = run(torch::kFloat32);
    const auto [ops, d_positive_ops, d_negative_ops] = run(torch::kFloat64);
    EXPECT_NEAR(loops, ops, 1e-5 * std::abs(ops)) << regularization;
    EXPECT_TRUE(torch::allclose(d_positive, d_positive_ops, 1e-4, 1e-7)) << regularization;
    EXPECT_TRUE(torch::allclose(d_negative, d_negative_ops, 1e-4, 1e-7)) << regularization;
  }
}

TEST_F(ManyNegativeLossPlugins, SoftmaxTermsAreLogSumExpOverEveryItemMinusThePositive) {
  auto softmax = loss("softmax");
  EXPECT_TRUE(softmax->needs_all_item_scores());
  EXPECT_FALSE(loss("sampled_softmax")->needs_all_item_scores());
  auto logits = torch::tensor({{1.0f, 2.0f, 3.0f}, {0.0f, 0.0f, 0.0f},
                               {-std::numeric_limits<float>::infinity(), 0.0f, 0.0f}});
  // Row 0, positive 2: log(e + e^2 + e^3) - 3 = log(30.192296) - 3 = 3.407606 - 3 = 0.407606.
  // Row 1, positive 1: log(3) = 1.098612.  Row 2, positive 1, item 0 excluded (-inf): log(2) = 0.693147.
  auto terms = softmax->all_item_loss_terms(logits, torch::tensor({2, 1, 1}, torch::kInt64));
  EXPECT_NEAR(terms[0].item<double>(), 0.407606, 1e-5);
  EXPECT_NEAR(terms[1].item<double>(), 1.098612, 1e-5);
  EXPECT_NEAR(terms[2].item<double>(), 0.693147, 1e-5);
  EXPECT_EQ(testing::error_message([&] { softmax->implicit_batch_loss(input()); }),
            "softmax compares each positive with every item, not with sampled negatives: the model must give it every "
            "item's scores (all_item_loss_terms)");
}

TEST_F(ManyNegativeLossPlugins, SoftmaxTermsAndGradientsMatchLogSumExpInDoublePrecision) {
  // 37 items (not a multiple of the loops' 16 lanes), item 0 no target, scores up to +-30.
  torch::manual_seed(4);
  auto logits = (torch::randn({6, 37}) * 10.0).clamp(-30.0, 30.0);
  logits.select(1, 0).fill_(-std::numeric_limits<float>::infinity());
  const auto positives = torch::tensor({1, 5, 36, 2, 17, 9}, torch::kInt64);
  const auto upstream = torch::tensor({0.5f, 1.0f, 2.0f, 0.0f, 1.5f, 0.25f});
  auto ours = logits.clone().requires_grad_(true);
  const auto terms = loss("softmax")->all_item_loss_terms(ours, positives);
  (terms * upstream).sum().backward();
  auto reference = logits.to(torch::kFloat64).requires_grad_(true);
  const auto expected = torch::logsumexp(reference, 1) - reference.gather(1, positives.unsqueeze(1)).squeeze(1);
  (expected * upstream.to(torch::kFloat64)).sum().backward();
  EXPECT_LT((terms.to(torch::kFloat64) - expected).abs().max().item<double>(), 1e-5);
  EXPECT_LT((ours.grad().to(torch::kFloat64) - reference.grad()).abs().max().item<double>(), 1e-6);
  EXPECT_EQ(ours.grad().select(1, 0).abs().max().item<float>(), 0.0f);  // nothing flows to the padding item
}

// Scores of another type than float32 go through LibTorch's softmax: the same terms and
// gradients as the double-precision reference.
TEST_F(ManyNegativeLossPlugins, SoftmaxOnDoublesMatchesLogSumExp) {
  torch::manual_seed(6);
  auto logits = torch::randn({4, 9}, torch::kFloat64) * 5.0;
  const auto positives = torch::tensor({0, 8, 3, 3}, torch::kInt64);
  const auto upstream = torch::tensor({1.0, 0.5, 2.0, 0.0}, torch::kFloat64);
  auto ours = logits.clone().requires_grad_(true);
  (loss("softmax")->all_item_loss_terms(ours, positives) * upstream).sum().backward();
  auto reference = logits.clone().requires_grad_(true);
  ((torch::logsumexp(reference, 1) - reference.gather(1, positives.unsqueeze(1)).squeeze(1)) * upstream)
      .sum()
      .backward();
  EXPECT_TRUE(torch::allclose(ours.grad(), reference.grad(), 1e-12, 1e-12));
}

TEST_F(ManyNegativeLossPlugins, SoftmaxRefusesASecondBackwardPassThroughTheSameScores) {
  // The backward pass writes the gradient over the probabilities it kept: a retained graph
  // differentiated again would read a gradient, so it is an error, not a wrong number.
  auto logits = torch::tensor({{1.0f, 2.0f, 3.0f}, {0.5f, 0.0f, -1.0f}}).requires_grad_(true);
  const auto total = loss("softmax")->all_item_loss_terms(logits, torch::tensor({2, 0}, torch::kInt64)).sum();
  total.backward({}, /*retain_graph=*/true);
  // Row 0: softmax(1, 2, 3) - one_hot(2); its first entry is e / (e + e^2 + e^3) = 0.090031.
  EXPECT_NEAR(logits.grad()[0][0].item<double>(), 0.090031, 1e-5);
  EXPECT_NEAR(logits.grad()[0][2].item<double>(), 0.665241 - 1.0, 1e-5);
  const std::string message = testing::error_message([&] { total.backward(); });
  EXPECT_NE(message.find("softmax: its scores' graph was differentiated twice; the loss keeps its probabilities "
                         "for one backward pass only"),
            std::string::npos)
      << message;
}

TEST_F(ImplicitLossPlugins, OldLossesTakeWeightsThroughTheirMask) {
  // hinge reduces with masked_mean: weights 2, 5, 1 on terms 0.5, 2, 0 give (1 + 10 + 0) / 8.
  ImplicitLossInput batch;
  batch.positive = positive_;
  batch.negative = negative_;
  batch.weights = torch::tensor({2.0f, 5.0f, 1.0f});
  EXPECT_NEAR(loss("hinge")->implicit_batch_loss(batch).item<double>(), 11.0 / 8, 1e-6);
  // With the mask too: (1 + 0) / 3.
  batch.mask = mask_;
  EXPECT_NEAR(loss("hinge")->implicit_batch_loss(batch).item<double>(), 1.0 / 3, 1e-6);
}

class ExplicitLossPlugins : public PluginTest {
 protected:
  std::shared_ptr<Loss> loss(const std::string& name) { return build<Loss>({{"plugin", name}}, ComponentKind::loss); }

  void expect_values(const torch::Tensor& actual, const std::vector<double>& expected) {
    ASSERT_EQ(actual.numel(), static_cast<int64_t>(expected.size()));
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_NEAR(actual[static_cast<int64_t>(i)].item<double>(), expected[i], 1e-6) << i;
    }
  }
};

TEST_F(ExplicitLossPlugins, RegressionIsMeanSquaredErrorOfRawScores) {
  auto regression = loss("regression");
  EXPECT_EQ(regression->feedback(), Feedback::explicit_ratings);
  EXPECT_EQ(regression->negatives_per_positive(), NegativesPerPositive::one);
  auto observed = torch::tensor({1.0f, 3.0f, 5.0f});
  auto scores = torch::tensor({1.5f, 2.0f, 5.0f});
  // (1 - 1.5)^2 + (3 - 2)^2 + (5 - 5)^2 = 0.25 + 1 + 0.
  EXPECT_NEAR(regression->explicit_loss(observed, scores).item<double>(), (0.25 + 1.0 + 0.0) / 3, 1e-6);
  // Scores are the predicted ratings themselves.
  expect_values(regression->predictions(scores), {1.5, 2.0, 5.0});
  EXPECT_THROW(regression->implicit_loss(scores, scores, torch::Tensor()), Error);
  // Weights 1, 3, 4: (0.25 + 3 * 1 + 0) / 8.
  EXPECT_NEAR(regression->explicit_batch_loss({observed, scores, torch::tensor({1.0f, 3.0f, 4.0f})}).item<double>(),
              3.25 / 8, 1e-6);
  EXPECT_NEAR(regression->explicit_batch_loss({observed, scores, torch::Tensor()}).item<double>(), 1.25 / 3, 1e-6);
}

TEST_F(ExplicitLossPlugins, PoissonTakesRawScoresAsLogRates) {
  auto poisson = loss("poisson");
  EXPECT_EQ(poisson->feedback(), Feedback::explicit_ratings);
  EXPECT_EQ(poisson->negatives_per_positive(), NegativesPerPositive::one);
  auto observed = torch::tensor({0.0f, 1.0f, 2.0f});
  auto scores = torch::tensor({0.0f, 0.5f, -1.0f});
  // Spotlight's rate - observed * log(rate) with rate = exp(score):
  // exp(0) - 0 * 0 = 1;  exp(0.5) - 1 * 0.5;  exp(-1) - 2 * (-1) = exp(-1) + 2.
  const double expected = (1.0 + (std::exp(0.5) - 0.5) + (std::exp(-1.0) + 2.0)) / 3;
  EXPECT_NEAR(poisson->explicit_loss(observed, scores).item<double>(), expected, 1e-6);
  // The model predicts the rate.
  expect_values(poisson->predictions(scores), {1.0, std::exp(0.5), std::exp(-1.0)});
  EXPECT_THROW(poisson->implicit_loss(scores, scores, torch::Tensor()), Error);
  // Weights 0, 1, 1 keep the last two terms only.
  EXPECT_NEAR(poisson->explicit_batch_loss({observed, scores, torch::tensor({0.0f, 1.0f, 1.0f})}).item<double>(),
              ((std::exp(0.5) - 0.5) + (std::exp(-1.0) + 2.0)) / 2, 1e-6);
}

TEST_F(ExplicitLossPlugins, LogisticClampsRatingsToLabelsAndUsesCrossEntropyWithLogits) {
  auto logistic = loss("logistic");
  EXPECT_EQ(logistic->feedback(), Feedback::explicit_ratings);
  EXPECT_EQ(logistic->negatives_per_positive(), NegativesPerPositive::one);
  // Ratings 1, -1, 0, 2 clamp to labels 1, 0, 0, 1.
  auto observed = torch::tensor({1.0f, -1.0f, 0.0f, 2.0f});
  auto scores = torch::tensor({2.0f, 0.5f, -1.0f, 0.0f});
  // Cross-entropy: -log(sigmoid(score)) for label 1, -log(1 - sigmoid(score)) for label 0.
  const double expected = (-std::log(sigmoid(2.0)) - std::log(1 - sigmoid(0.5)) - std::log(1 - sigmoid(-1.0)) -
                           std::log(sigmoid(0.0))) /
                          4;
  EXPECT_NEAR(logistic->explicit_loss(observed, scores).item<double>(), expected, 1e-6);
  // The model predicts the probability of a positive rating.
  expect_values(logistic->predictions(scores), {sigmoid(2.0), sigmoid(0.5), sigmoid(-1.0), sigmoid(0.0)});
  EXPECT_THROW(logistic->implicit_loss(scores, scores, torch::Tensor()), Error);
  // Weight 3 on the first rating, 1 on the others.
  const double weighted = (-3 * std::log(sigmoid(2.0)) - std::log(1 - sigmoid(0.5)) - std::log(1 - sigmoid(-1.0)) -
                           std::log(sigmoid(0.0))) /
                          6;
  EXPECT_NEAR(
      logistic->explicit_batch_loss({observed, scores, torch::tensor({3.0f, 1.0f, 1.0f, 1.0f})}).item<double>(),
      weighted, 1e-6);
}

}  // namespace
}  // namespace spotlight
