#include "spotlight/sdk/ranking.h"

#include <limits>
#include <numeric>
#include <random>

#include <gtest/gtest.h>

#include "spotlight/sdk/random.h"

namespace spotlight {
namespace {

// The definition: 1 + #better + #ties-other-than-itself / 2.
double brute_force_rank(const std::vector<float>& scores, int64_t target) {
  double better = 0, ties = 0;
  for (float score : scores) {
    if (score > scores[static_cast<size_t>(target)]) better += 1;
    if (score == scores[static_cast<size_t>(target)]) ties += 1;
  }
  return better + (ties + 1) / 2;
}

TEST(Ranking, HandComputedRanksWithTies) {
  //                          item: 0    1    2    3    4
  const std::vector<float> scores{0.5f, 0.9f, 0.5f, 0.1f, 0.7f};
  const std::vector<int64_t> targets{1, 0, 3};
  auto ranks = average_ranks(scores.data(), 5, targets.data(), 3);
  EXPECT_DOUBLE_EQ(ranks[0], 1.0);  // best
  EXPECT_DOUBLE_EQ(ranks[1], 3.5);  // tied with item 2 for places 3 and 4
  EXPECT_DOUBLE_EQ(ranks[2], 5.0);  // worst
}

TEST(Ranking, MatchesTheDefinitionOnRandomScoresWithManyTies) {
  Random random(9);
  for (int trial = 0; trial < 150; ++trial) {
    std::vector<float> scores(200);
    for (auto& score : scores) score = static_cast<float>(random.below(20));  // many ties
    std::vector<int64_t> targets;
    // Every pass width (8, 16, 24, 32 targets), padded or full, and several passes: 1 to 75 targets.
    const int count = 1 + (trial * 37) % 75;
    for (int k = 0; k < count; ++k) targets.push_back(static_cast<int64_t>(random.below(200)));
    auto ranks = average_ranks(scores.data(), 200, targets.data(), static_cast<int64_t>(targets.size()));
    for (size_t k = 0; k < targets.size(); ++k) EXPECT_DOUBLE_EQ(ranks[k], brute_force_rank(scores, targets[k]));
  }
}

TEST(Ranking, PushedItemsRankLast) {
  std::vector<float> scores{3.f, 2.f, 1.f};
  const std::vector<int64_t> known{0};
  push_to_bottom(scores.data(), known.data(), 1);
  EXPECT_EQ(scores[0], std::numeric_limits<float>::lowest());
  const std::vector<int64_t> target{2};
  EXPECT_DOUBLE_EQ(average_ranks(scores.data(), 3, target.data(), 1)[0], 2.0);
}

TEST(Ranking, TopKBreaksTiesByItemId) {
  const std::vector<float> scores{0.2f, 0.9f, 0.5f, 0.9f, 0.1f};
  EXPECT_EQ(top_k(scores.data(), 5, 3), (std::vector<int64_t>{1, 3, 2}));
  EXPECT_EQ(top_k(scores.data(), 5, 10).size(), 5u);
}

// The one-pass list of a few best items ranks exactly as a full sort does, ties to the lower id.
TEST(Ranking, TopKOfAFewMatchesAFullSortWithTies) {
  std::mt19937 generator(7);
  std::uniform_int_distribution<int> coarse(0, 40);  // few distinct values: many ties
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<float> scores(3000);
    for (auto& score : scores) score = static_cast<float>(coarse(generator)) * 0.25f;
    scores[static_cast<size_t>(trial * 100)] = std::numeric_limits<float>::lowest();
    std::vector<int64_t> order(scores.size());
    std::iota(order.begin(), order.end(), int64_t{0});
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return scores[a] > scores[b]; });
    for (int64_t k : {1, 2, 10, 64, 100, 3000}) {
      const std::vector<int64_t> expected(order.begin(), order.begin() + k);
      EXPECT_EQ(top_k(scores.data(), 3000, k), expected) << "k " << k;
    }
  }
}

}  // namespace
}  // namespace spotlight
