// The host's loss over the whole catalogue, scored in bounded chunks of rows: the same loss
// and the same gradients as scoring every row at once.
#include <limits>
#include <vector>

#include "models/plugin_fixture.h"
#include "spotlight/framework/training/all_item_loss.h"
#include "spotlight/sdk/loss.h"
#include "spotlight/sdk/representation.h"

namespace spotlight {
namespace {

using nlohmann::json;
using testing::PluginTest;

class AllItemLoss : public PluginTest {
 protected:
  void SetUp() override {
    torch::manual_seed(3);
    ModelContext context;
    context.num_users = 10;
    context.num_items = kItems;
    context.embedding_dim = 4;
    representation_ = build<Representation>({{"plugin", "bilinear"}}, ComponentKind::representation, context);
    loss_ = build<Loss>({{"plugin", "softmax"}}, ComponentKind::loss);
  }

  // Loss and every parameter's gradient after one call with `max_chunk_elements`.
  std::pair<double, std::vector<torch::Tensor>> chunked(const torch::Tensor& weights, bool exclude_padding,
                                                        int64_t max_chunk_elements) {
    representation_->zero_grad();
    AllItemRows rows{representation_->encode_users(users_), positives_, weights};
    const double value =
        backward_all_item_loss(*representation_, *loss_, rows, kItems, exclude_padding, max_chunk_elements);
    return {value, gradients()};
  }

  // The same loss written out whole: one (rows, items) score matrix, one backward pass.
  std::pair<double, std::vector<torch::Tensor>> whole(const torch::Tensor& weights, bool exclude_padding) {
    representation_->zero_grad();
    auto logits = representation_->score_all(representation_->encode_users(users_));
    if (exclude_padding) {
      logits = logits.index_fill(1, torch::zeros({1}, torch::kInt64), -std::numeric_limits<float>::infinity());
    }
    auto terms = torch::logsumexp(logits, 1) - logits.gather(1, positives_.unsqueeze(1)).squeeze(1);
    auto value = weights.defined() ? (terms * weights).sum() / weights.sum() : terms.mean();
    value.backward();
    return {value.item<double>(), gradients()};
  }

  std::vector<torch::Tensor> gradients() const {
    std::vector<torch::Tensor> result;
    for (const auto& parameter : representation_->parameters()) result.push_back(parameter.grad().clone());
    return result;
  }

  static void expect_same(const std::pair<double, std::vector<torch::Tensor>>& actual,
                          const std::pair<double, std::vector<torch::Tensor>>& expected) {
    EXPECT_NEAR(actual.first, expected.first, 1e-5);
    ASSERT_EQ(actual.second.size(), expected.second.size());
    for (size_t i = 0; i < actual.second.size(); ++i) {
      EXPECT_TRUE(torch::allclose(actual.second[i], expected.second[i], 1e-4, 1e-6)) << "parameter " << i;
    }
  }

  static constexpr int64_t kItems = 50;
  // Ten rows, one of them a repeated user, so gradients from different chunks meet in one row.
  const torch::Tensor users_ = torch::tensor({0, 1, 2, 3, 4, 5, 6, 7, 8, 1}, torch::kInt64);
  const torch::Tensor positives_ = torch::tensor({3, 7, 1, 49, 20, 5, 5, 11, 42, 8}, torch::kInt64);
  std::shared_ptr<Representation> representation_;
  std::shared_ptr<Loss> loss_;
};

TEST_F(AllItemLoss, ChunksGiveTheLossAndGradientsOfTheWholeCatalogueAtOnce) {
  // 3 rows of 50 scores per chunk: four chunks (3 + 3 + 3 + 1).
  const auto expected = whole(torch::Tensor(), false);
  expect_same(chunked(torch::Tensor(), false, 3 * kItems), expected);
  // A bound below one row still makes progress, one row at a time.
  expect_same(chunked(torch::Tensor(), false, 1), expected);
  // And a bound above everything is one chunk.
  expect_same(chunked(torch::Tensor(), false, int64_t{1} << 30), expected);
}

TEST_F(AllItemLoss, ChunksKeepWeightsAndThePaddingItemOut) {
  const auto weights = torch::tensor({1.0f, 2.0f, 0.0f, 0.5f, 1.0f, 3.0f, 1.0f, 1.0f, 0.25f, 2.0f});
  expect_same(chunked(weights, true, 4 * kItems), whole(weights, true));
  // The padding item gets no gradient through the scores: its item vector's gradient row is zero
  // (bilinear's first parameters are the user table, then the item table; check every table of
  // width kItems rows).
  const auto result = chunked(torch::Tensor(), true, 2 * kItems);
  for (const auto& gradient : result.second) {
    if (gradient.dim() >= 1 && gradient.size(0) == kItems) {
      EXPECT_EQ(gradient[0].abs().sum().item<double>(), 0.0);
    }
  }
}

}  // namespace
}  // namespace spotlight
