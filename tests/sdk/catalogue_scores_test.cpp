#include "spotlight/sdk/nn/catalogue_scores.h"

#include <gtest/gtest.h>

namespace spotlight {
namespace {

// Against LibTorch's own product, in double precision: scores and all three gradients, with
// the vectors row-major and column-major (the layout a cached item matrix keeps).
TEST(CatalogueScores, MatchesTheMatrixProductInEitherLayoutWithGradients) {
  torch::manual_seed(3);
  const auto states = torch::randn({7, 5});
  const auto vectors = torch::randn({300, 5});
  const auto biases = torch::randn({300, 1});
  const auto weights = torch::randn({7, 300});
  const auto expected = torch::addmm(biases.t().to(torch::kFloat64), states.to(torch::kFloat64),
                                     vectors.t().to(torch::kFloat64));
  for (const bool column_major : {false, true}) {
    SCOPED_TRACE(column_major ? "column-major vectors" : "row-major vectors");
    auto s = states.clone().requires_grad_();
    auto v = (column_major ? vectors.t().contiguous().t() : vectors.clone()).requires_grad_();
    auto b = biases.clone().requires_grad_();
    ASSERT_EQ(v.is_contiguous(), !column_major);
    const auto scores = nn::catalogue_scores(s, v, b);
    EXPECT_TRUE(torch::allclose(scores.to(torch::kFloat64), expected, 1e-5, 1e-5));
    (scores * weights).sum().backward();
    const auto w = weights.to(torch::kFloat64);
    EXPECT_TRUE(torch::allclose(s.grad().to(torch::kFloat64), w.mm(vectors.to(torch::kFloat64)), 1e-4, 1e-4));
    EXPECT_TRUE(torch::allclose(v.grad().to(torch::kFloat64), w.t().mm(states.to(torch::kFloat64)), 1e-4, 1e-4));
    EXPECT_TRUE(torch::allclose(b.grad().to(torch::kFloat64), w.sum(0).view({300, 1}), 1e-4, 1e-4));
  }
}

// No biases: the product alone.
TEST(CatalogueScores, UndefinedBiasesAddNothing) {
  torch::manual_seed(4);
  const auto states = torch::randn({3, 4});
  const auto vectors = torch::randn({20, 4});
  EXPECT_TRUE(torch::allclose(nn::catalogue_scores(states, vectors, torch::Tensor()), states.mm(vectors.t()), 1e-5,
                              1e-5));
}

}  // namespace
}  // namespace spotlight
