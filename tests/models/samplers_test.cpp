#include <cmath>
#include <vector>

#include "models/plugin_fixture.h"
#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/random.h"
#include "spotlight/sdk/sampler.h"
#include "support/error_message.h"

namespace spotlight {
namespace {

using nlohmann::json;
using testing::PluginTest;

class SamplerPlugins : public PluginTest {
 protected:
  std::shared_ptr<Sampler> sampler(const json& node, int64_t num_items = 6) {
    ModelContext context;
    context.num_items = num_items;
    context.num_users = 1;
    return build<Sampler>(node, ComponentKind::sampler, context);
  }

  // One user who saw item 1 once, item 2 four times, item 3 nine times and item 5 sixteen
  // times; items 0 and 4 never.
  static InteractionMatrix training_counts() {
    InteractionMatrix train;
    train.num_users = 1;
    train.num_items = 6;
    for (auto [item, count] : std::vector<std::pair<int64_t, int>>{{1, 1}, {2, 4}, {3, 9}, {5, 16}}) {
      for (int i = 0; i < count; ++i) train.item_ids.push_back(item);
    }
    train.row_offsets = {0, static_cast<int64_t>(train.item_ids.size())};
    return train;
  }

  static std::vector<int64_t> histogram(const torch::Tensor& items, int64_t num_items) {
    std::vector<int64_t> counts(static_cast<size_t>(num_items), 0);
    const auto flat = items.contiguous();
    for (int64_t i = 0; i < flat.numel(); ++i) ++counts[static_cast<size_t>(flat.data_ptr<int64_t>()[i])];
    return counts;
  }
};

TEST_F(SamplerPlugins, PopularityDrawsInProportionToCountToTheAlpha) {
  auto popularity = sampler({{"plugin", "popularity"}, {"alpha", 0.5}});
  popularity->prepare(training_counts());
  // count^0.5 = 1, 2, 3, 4 for items 1, 2, 3, 5: probabilities 0.1, 0.2, 0.3, 0.4, and 0 for 0 and 4.
  const std::vector<double> expected{0.0, 0.1, 0.2, 0.3, 0.0, 0.4};
  Random random(7);
  constexpr int64_t kDraws = 200000;
  const auto counts = histogram(popularity->sample({kDraws}, random), 6);
  for (size_t item = 0; item < expected.size(); ++item) {
    const double frequency = static_cast<double>(counts[item]) / kDraws;
    // Within five binomial standard errors (about 0.005 for p = 0.4).
    const double error = std::sqrt(expected[item] * (1 - expected[item]) / kDraws);
    EXPECT_NEAR(frequency, expected[item], 5 * error + 1e-12) << "item " << item;
  }
  EXPECT_EQ(counts[0], 0);  // the padding item of sequence models: never in training, never drawn
  EXPECT_EQ(counts[4], 0);
  // Each draw's probability, as the log Q correction reads it.
  EXPECT_TRUE(popularity->reports_probabilities());
  auto log_q = popularity->log_probabilities(torch::tensor({{1, 5}, {3, 2}}, torch::kInt64));
  ASSERT_EQ(log_q.sizes(), (std::vector<int64_t>{2, 2}));
  EXPECT_NEAR(log_q[0][0].item<double>(), std::log(0.1), 1e-6);
  EXPECT_NEAR(log_q[0][1].item<double>(), std::log(0.4), 1e-6);
  EXPECT_NEAR(log_q[1][0].item<double>(), std::log(0.3), 1e-6);
  EXPECT_NEAR(log_q[1][1].item<double>(), std::log(0.2), 1e-6);
}

TEST_F(SamplerPlugins, PopularityDefaultsToThreeQuartersAndRepeatsItsDrawsForTheSameSeed) {
  auto popularity = sampler({{"plugin", "popularity"}});
  popularity->prepare(training_counts());
  // 16^0.75 / (1 + 4^0.75 + 9^0.75 + 16^0.75) = 8 / (1 + 2.828427 + 5.196152 + 8) = 8 / 17.024579 = 0.469905.
  EXPECT_NEAR(popularity->log_probabilities(torch::tensor({5}, torch::kInt64)).item<double>(), std::log(0.469905),
              1e-5);
  Random first(11), second(11);
  EXPECT_TRUE(torch::equal(popularity->sample({4, 50}, first), popularity->sample({4, 50}, second)));
  // Without exclude_positive, sample_negatives is sample() of the same shape, draw for draw.
  Random third(11), fourth(11);
  EXPECT_TRUE(torch::equal(popularity->sample_negatives(torch::ones({50}, torch::kInt64), 4, third),
                           popularity->sample({4, 50}, fourth)));
}

TEST_F(SamplerPlugins, ExcludePositiveNeverReturnsThePositive) {
  for (const char* plugin : {"popularity", "uniform"}) {
    SCOPED_TRACE(plugin);
    auto excluding = sampler({{"plugin", plugin}, {"exclude_positive", true}});
    excluding->prepare(training_counts());
    auto positives = torch::tensor({{5, 3, 1}, {2, 0, 5}}, torch::kInt64);
    Random random(3);
    auto negatives = excluding->sample_negatives(positives, 20000, random);
    ASSERT_EQ(negatives.sizes(), (std::vector<int64_t>{20000, 2, 3}));
    EXPECT_FALSE(negatives.eq(positives.unsqueeze(0)).any().item<bool>());
    // The other items still come up: drawing from the rest, not from nothing.
    const auto counts = histogram(negatives.select(1, 0).select(1, 0), 6);  // positive 5
    EXPECT_EQ(counts[5], 0);
    EXPECT_GT(counts[3], 0);
  }
  // Uniform over the 5 others: 1/5 each for positive 5 (20000 draws: 4000 +- 5 * 57).
  auto uniform = sampler({{"plugin", "uniform"}, {"exclude_positive", true}});
  Random random(4);
  const auto counts = histogram(uniform->sample_negatives(torch::tensor({5}, torch::kInt64), 20000, random), 6);
  for (int item = 0; item < 5; ++item) EXPECT_NEAR(counts[static_cast<size_t>(item)], 4000, 5 * 57) << item;
}

TEST_F(SamplerPlugins, UniformKeepsItsDrawsAndReportsOneOverTheCatalogue) {
  auto uniform = sampler({{"plugin", "uniform"}});
  Random first(5), second(5);
  EXPECT_TRUE(torch::equal(uniform->sample_negatives(torch::zeros({3, 7}, torch::kInt64), 2, first),
                           uniform->sample({2, 3, 7}, second)));
  EXPECT_NEAR(uniform->log_probabilities(torch::tensor({0, 4}, torch::kInt64))[1].item<double>(), -std::log(6.0),
              1e-6);
}

TEST_F(SamplerPlugins, MistakesGetMessages) {
  auto popularity = sampler({{"plugin", "popularity"}});
  Random random(1);
  EXPECT_EQ(testing::error_message([&] { popularity->sample({3}, random); }),
            "popularity: no item counts yet; the model must call prepare() with the training interactions before "
            "sampling");
  InteractionMatrix one_item;
  one_item.num_users = 1;
  one_item.num_items = 6;
  one_item.item_ids = {2, 2};
  one_item.row_offsets = {0, 2};
  EXPECT_EQ(testing::error_message([&] {
              sampler({{"plugin", "popularity"}, {"exclude_positive", true}})->prepare(one_item);
            }),
            "popularity: exclude_positive needs at least two items in the training interactions, and there is one");
  EXPECT_EQ(testing::error_message([&] { sampler({{"plugin", "uniform"}, {"exclude_positive", true}}, 1); }),
            "node.exclude_positive: needs at least two items, and the dataset has one");
  EXPECT_EQ(testing::error_message([&] { sampler({{"plugin", "popularity"}, {"alpha", -1}}); }),
            "node.alpha: expected a number from 0 to 10, got -1");
}

}  // namespace
}  // namespace spotlight
