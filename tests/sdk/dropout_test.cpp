#include "spotlight/sdk/nn/dropout.h"

#include <gtest/gtest.h>

namespace spotlight {
namespace {

TEST(Dropout, KeepsAboutOneMinusPOfTheElementsScaledAndPassesGradientsThroughTheSameMask) {
  torch::manual_seed(5);
  const auto x = (torch::rand({1000, 100}) + 0.5).requires_grad_();
  const auto y = nn::dropout(x, 0.3, true);
  const auto kept = y.ne(0);
  // 100,000 draws: the kept fraction's standard deviation is 0.0014.
  EXPECT_NEAR(kept.to(torch::kFloat64).mean().item<double>(), 0.7, 0.006);
  EXPECT_TRUE(torch::allclose(y.masked_select(kept), x.detach().masked_select(kept) / 0.7, 1e-6, 1e-6));
  const auto weights = torch::randn({1000, 100});
  (y * weights).sum().backward();
  const auto expected = torch::where(kept, weights / 0.7, torch::zeros_like(weights));
  EXPECT_TRUE(torch::allclose(x.grad(), expected, 1e-6, 1e-6));
  // Neighbouring elements are not correlated: both kept about 0.49 of the time.
  const auto flat = kept.reshape({-1}).to(torch::kFloat64);
  EXPECT_NEAR((flat.narrow(0, 0, 99999) * flat.narrow(0, 1, 99999)).mean().item<double>(), 0.49, 0.008);
}

TEST(Dropout, SameSeedSameMaskAndIdentityOutsideTraining) {
  const auto x = torch::ones({64, 33});
  torch::manual_seed(9);
  const auto first = nn::dropout(x, 0.5, true);
  const auto second = nn::dropout(x, 0.5, true);
  torch::manual_seed(9);
  EXPECT_TRUE(torch::equal(nn::dropout(x, 0.5, true), first));
  EXPECT_FALSE(torch::equal(first, second));
  EXPECT_TRUE(nn::dropout(x, 0.5, false).is_same(x));
  EXPECT_TRUE(nn::dropout(x, 0.0, true).is_same(x));
  // A non-contiguous input is masked in its logical order, like its contiguous copy.
  const auto values = torch::rand({64, 33});
  torch::manual_seed(9);
  const auto of_view = nn::dropout(values.t(), 0.5, true);
  torch::manual_seed(9);
  EXPECT_TRUE(torch::equal(of_view, nn::dropout(values.t().contiguous(), 0.5, true)));
}

}  // namespace
}  // namespace spotlight
