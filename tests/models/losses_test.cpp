#include <cmath>
#include <string>
#include <vector>

#include "models/plugin_fixture.h"
#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/loss.h"

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
}

}  // namespace
}  // namespace spotlight
