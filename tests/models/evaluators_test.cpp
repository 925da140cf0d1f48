#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "models/fixed_scorer.h"
#include "models/plugin_fixture.h"
#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/evaluator.h"
#include "spotlight/sdk/scoring_workers.h"

namespace spotlight {
namespace {

using nlohmann::json;
using testing::FixedScorer;
using testing::matrix;
using testing::PluginTest;

// Every ranking evaluator below is checked against the same hand-ranked table.
//
//   scores   item 0  item 1  item 2  item 3  item 4   ranking (ties go to the lower id)
//   user 0     0.9     0.8     0.7     0.6     0.5    0 1 2 3 4
//   user 1     0.1     0.2     0.3     0.4     0.5    4 3 2 1 0
//   user 2     0.5     0.5     0.5     0.1     0.0    0 1 2 3 4
//
// Test items: user 0 {1, 3}; user 1 {0, 4, 4}, which holds item 4 twice and counts as {0, 4}; user 2 {2}.
// Training items: user 0 {0}, user 1 {3}, user 2 {0}. Pushing them to the bottom gives the rankings
//   user 0: 1 2 3 4 0    user 1: 4 2 1 0 3    user 2: 1 2 3 4 0
class RankingEvaluators : public PluginTest {
 protected:
  std::vector<Metric> evaluate(const json& node) {
    return build<Evaluator>(node, ComponentKind::evaluator)->evaluate(scorer_, data_);
  }

  FixedScorer scorer_{torch::tensor({{0.9f, 0.8f, 0.7f, 0.6f, 0.5f},
                                     {0.1f, 0.2f, 0.3f, 0.4f, 0.5f},
                                     {0.5f, 0.5f, 0.5f, 0.1f, 0.0f}})};
  InteractionMatrix test_ = matrix(3, 5, {{1, 3}, {0, 4, 4}, {2}});
  InteractionMatrix train_ = matrix(3, 5, {{0}, {3}, {0}});
  EvaluationData data_{&test_, &train_, nullptr};
};

std::vector<std::string> names(const std::vector<Metric>& metrics) {
  std::vector<std::string> result;
  for (const auto& metric : metrics) result.push_back(metric.name);
  return result;
}

// Expects per_user (users 0, 1, 2) and the mean over them.
void expect_metric(const Metric& metric, const std::string& name, const std::vector<double>& per_user) {
  EXPECT_EQ(metric.name, name);
  EXPECT_EQ(metric.user_ids, (std::vector<int64_t>{0, 1, 2})) << name;
  ASSERT_EQ(metric.per_user.size(), per_user.size()) << name;
  double total = 0.0;
  for (size_t i = 0; i < per_user.size(); ++i) {
    EXPECT_NEAR(metric.per_user[i], per_user[i], 1e-12) << name << ", user " << i;
    total += per_user[i];
  }
  EXPECT_NEAR(metric.value, total / static_cast<double>(per_user.size()), 1e-12) << name;
}

TEST_F(RankingEvaluators, PrecisionRecallWithoutExclusion) {
  auto metrics = evaluate({{"plugin", "precision_recall"}, {"k", {1, 3}}, {"exclude_train", false}, {"batch_size", 2}});
  ASSERT_EQ(names(metrics), (std::vector<std::string>{"precision@1", "recall@1", "precision@3", "recall@3"}));
  // Top 1: user 0 [0] misses; user 1 [4] hits 1 of its 2 unique items; user 2 [0] misses.
  expect_metric(metrics[0], "precision@1", {0.0, 1.0, 0.0});
  expect_metric(metrics[1], "recall@1", {0.0, 1.0 / 2, 0.0});
  // Top 3: user 0 [0 1 2] hits item 1 of {1, 3}; user 1 [4 3 2] hits item 4 of {0, 4} (1/2, not 1/3: the
  // repeated 4 counts once); user 2 [0 1 2] hits item 2 of {2}.
  expect_metric(metrics[2], "precision@3", {1.0 / 3, 1.0 / 3, 1.0 / 3});
  expect_metric(metrics[3], "recall@3", {1.0 / 2, 1.0 / 2, 1.0});
}

TEST_F(RankingEvaluators, PrecisionRecallExcludingTrainingItems) {
  auto metrics = evaluate({{"plugin", "precision_recall"}, {"k", {1, 3}}});
  ASSERT_EQ(metrics.size(), 4u);
  // Top 1: user 0 [1] hits; user 1 [4] hits; user 2 [1] misses.
  expect_metric(metrics[0], "precision@1", {1.0, 1.0, 0.0});
  expect_metric(metrics[1], "recall@1", {1.0 / 2, 1.0 / 2, 0.0});
  // Top 3: user 0 [1 2 3] hits 1 and 3; user 1 [4 2 1] hits 4; user 2 [1 2 3] hits 2.
  expect_metric(metrics[2], "precision@3", {2.0 / 3, 1.0 / 3, 1.0 / 3});
  expect_metric(metrics[3], "recall@3", {1.0, 1.0 / 2, 1.0});
}

TEST_F(RankingEvaluators, PrecisionRecallWithOneCutoff) {
  // The default k is 10, longer than the catalogue: every list holds all 5 items, so precision is the number of
  // unique test items over 5 and recall is 1. Excluded items stay in the list, only last.
  auto defaults = evaluate({{"plugin", "precision_recall"}});
  ASSERT_EQ(names(defaults), (std::vector<std::string>{"precision@10", "recall@10"}));
  expect_metric(defaults[0], "precision@10", {2.0 / 5, 2.0 / 5, 1.0 / 5});
  expect_metric(defaults[1], "recall@10", {1.0, 1.0, 1.0});
  // k as a plain number: top 3 without exclusion, as in the list case.
  auto three = evaluate({{"plugin", "precision_recall"}, {"k", 3}, {"exclude_train", false}});
  ASSERT_EQ(names(three), (std::vector<std::string>{"precision@3", "recall@3"}));
  expect_metric(three[0], "precision@3", {1.0 / 3, 1.0 / 3, 1.0 / 3});
  expect_metric(three[1], "recall@3", {1.0 / 2, 1.0 / 2, 1.0});
}

// Discounts 1 / log2(p + 1) of the 1-based positions p.
const double d1 = 1.0;
const double d2 = 1.0 / std::log2(3.0);
const double d3 = 1.0 / std::log2(4.0);  // 0.5
const double d4 = 1.0 / std::log2(5.0);
const double d5 = 1.0 / std::log2(6.0);

TEST_F(RankingEvaluators, NdcgWithoutExclusion) {
  auto metrics = evaluate({{"plugin", "ndcg"}, {"k", {1, 3}}, {"exclude_train", false}, {"batch_size", 1}});
  ASSERT_EQ(names(metrics), (std::vector<std::string>{"ndcg@1", "ndcg@3"}));
  // ndcg@1: only position 1 counts and the ideal list has one test item there (IDCG = d1).
  // User 0 [0] misses; user 1 [4] hits; user 2 [0] misses.
  expect_metric(metrics[0], "ndcg@1", {0.0, 1.0, 0.0});
  // ndcg@3: user 0 [0 1 2] has item 1 at position 2 of its 2 test items: d2 / (d1 + d2).
  // User 1 [4 3 2] has item 4 at position 1; {0, 4, 4} is 2 unique items, so IDCG = d1 + d2 (not d1 + d2 + d3).
  // User 2 [0 1 2] has item 2 at position 3 of its 1 test item: d3 / d1.
  expect_metric(metrics[1], "ndcg@3", {d2 / (d1 + d2), d1 / (d1 + d2), d3 / d1});
}

TEST_F(RankingEvaluators, NdcgExcludingTrainingItems) {
  auto metrics = evaluate({{"plugin", "ndcg"}, {"k", {1, 3}}});
  ASSERT_EQ(metrics.size(), 2u);
  // Top 1: user 0 [1] hits; user 1 [4] hits; user 2 [1] misses.
  expect_metric(metrics[0], "ndcg@1", {1.0, 1.0, 0.0});
  // Top 3: user 0 [1 2 3] hits at positions 1 and 3; user 1 [4 2 1] at position 1; user 2 [1 2 3] at position 2.
  expect_metric(metrics[1], "ndcg@3", {(d1 + d3) / (d1 + d2), d1 / (d1 + d2), d2 / d1});
}

TEST_F(RankingEvaluators, NdcgWithOneCutoff) {
  // k = 10 lists all 5 items: user 0 finds its items at positions 2 and 4, user 1 at 1 and 5, user 2 at 3, and
  // the ideal lists are 2, 2 and 1 items long.
  auto metrics = evaluate({{"plugin", "ndcg"}, {"k", 10}, {"exclude_train", false}});
  ASSERT_EQ(metrics.size(), 1u);
  expect_metric(metrics[0], "ndcg@10", {(d2 + d4) / (d1 + d2), (d1 + d5) / (d1 + d2), d3 / d1});
  auto defaults = evaluate({{"plugin", "ndcg"}});
  ASSERT_EQ(names(defaults), (std::vector<std::string>{"ndcg@10"}));
}

TEST_F(RankingEvaluators, HitRateWithoutExclusion) {
  auto metrics = evaluate({{"plugin", "hit_rate"}, {"k", {1, 3}}, {"exclude_train", false}});
  ASSERT_EQ(names(metrics), (std::vector<std::string>{"hit_rate@1", "hit_rate@3"}));
  // Top 1: user 0 [0] misses; user 1 [4] hits; user 2 [0] misses.
  expect_metric(metrics[0], "hit_rate@1", {0.0, 1.0, 0.0});
  // Top 3: user 0 [0 1 2] has item 1; user 1 [4 3 2] has item 4, counted once although it is a test item twice;
  // user 2 [0 1 2] has item 2.
  expect_metric(metrics[1], "hit_rate@3", {1.0, 1.0, 1.0});
}

TEST_F(RankingEvaluators, HitRateExcludingTrainingItems) {
  auto metrics = evaluate({{"plugin", "hit_rate"}, {"k", {1, 3}}, {"batch_size", 2}});
  // Top 1: user 0 [1] hits; user 1 [4] hits; user 2 [1] misses. Top 3 hits for everyone, as without exclusion.
  expect_metric(metrics[0], "hit_rate@1", {1.0, 1.0, 0.0});
  expect_metric(metrics[1], "hit_rate@3", {1.0, 1.0, 1.0});
}

TEST_F(RankingEvaluators, HitRateWithOneCutoff) {
  auto one = evaluate({{"plugin", "hit_rate"}, {"k", 1}, {"exclude_train", false}});
  ASSERT_EQ(one.size(), 1u);
  expect_metric(one[0], "hit_rate@1", {0.0, 1.0, 0.0});
  auto defaults = evaluate({{"plugin", "hit_rate"}});
  ASSERT_EQ(names(defaults), (std::vector<std::string>{"hit_rate@10"}));
  expect_metric(defaults[0], "hit_rate@10", {1.0, 1.0, 1.0});
}

TEST_F(RankingEvaluators, UsersWithoutTestItemsAreSkipped) {
  FixedScorer scorer(torch::rand({4, 6}));
  auto test = matrix(4, 6, {{}, {1}, {}, {2, 2}});
  EvaluationData data{&test, nullptr, nullptr};
  // k = 10 lists all 6 items, so every test item is found whatever the random scores, and each user has one hit
  // among the 6 listed: user 3's item 2, a test item twice, counts once. ndcg depends on where the hit is, so only
  // its users are checked.
  const std::map<std::string, std::vector<double>> expected{
      {"precision@10", {1.0 / 6, 1.0 / 6}}, {"recall@10", {1.0, 1.0}}, {"hit_rate@10", {1.0, 1.0}}};
  for (const char* plugin : {"precision_recall", "ndcg", "hit_rate"}) {
    auto evaluator = build<Evaluator>({{"plugin", plugin}}, ComponentKind::evaluator);
    for (const auto& metric : evaluator->evaluate(scorer, data)) {
      EXPECT_EQ(metric.user_ids, (std::vector<int64_t>{1, 3})) << metric.name;
      auto values = expected.find(metric.name);
      if (values != expected.end()) {
        EXPECT_EQ(metric.per_user, values->second) << metric.name;
      }
    }
  }
}

TEST_F(RankingEvaluators, ARepeatedCutoffIsRefused) {
  for (const char* plugin : {"precision_recall", "ndcg", "hit_rate"}) {
    try {
      build<Evaluator>({{"plugin", plugin}, {"k", {5, 3, 5}}}, ComponentKind::evaluator);
      ADD_FAILURE() << plugin << " accepted k = [5, 3, 5]";
    } catch (const ConfigError& error) {
      EXPECT_STREQ(error.what(), "node.k: lists 5 more than once") << plugin;
    }
  }
}

// Workers that score blocks at once give every evaluator exactly the one-worker metrics: every
// user visited once, at its own row.
TEST_F(RankingEvaluators, ScoringWorkersGiveTheSameMetricsAsOne) {
  torch::manual_seed(3);
  FixedScorer scorer(torch::rand({57, 40}));
  std::vector<std::vector<int64_t>> test_rows, train_rows;
  for (int64_t user = 0; user < 57; ++user) {
    test_rows.push_back(user % 5 == 0 ? std::vector<int64_t>{} : std::vector<int64_t>{user % 40, (user * 7 + 1) % 40});
    std::sort(test_rows.back().begin(), test_rows.back().end());
    train_rows.push_back({(user * 3 + 2) % 40});
  }
  const auto test = matrix(57, 40, test_rows);
  const auto train = matrix(57, 40, train_rows);
  const EvaluationData data{&test, &train, nullptr};
  for (const char* plugin : {"mrr", "precision_recall", "ndcg", "hit_rate"}) {
    // Blocks of 4 users: 12 blocks over up to 3 workers.
    auto evaluator = build<Evaluator>({{"plugin", plugin}, {"batch_size", 4}}, ComponentKind::evaluator);
    set_scoring_workers(1);
    const auto one = evaluator->evaluate(scorer, data);
    set_scoring_workers(3);
    const auto three = evaluator->evaluate(scorer, data);
    set_scoring_workers(1);
    ASSERT_EQ(one.size(), three.size()) << plugin;
    for (size_t m = 0; m < one.size(); ++m) {
      EXPECT_EQ(one[m].user_ids, three[m].user_ids) << plugin;
      EXPECT_EQ(one[m].per_user, three[m].per_user) << one[m].name;
      EXPECT_EQ(one[m].value, three[m].value) << one[m].name;
    }
  }
}

TEST(ScoringWorkers, EveryBlockRunsOnceAndTheFirstFailureReachesTheCaller) {
  set_scoring_workers(4);
  std::vector<std::atomic<int>> runs(50);
  for_each_block(50, [&](int64_t block) { ++runs[static_cast<size_t>(block)]; });
  for (const auto& count : runs) EXPECT_EQ(count.load(), 1);
  try {
    for_each_block(50, [&](int64_t block) {
      if (block == 17) throw Error("block 17 failed");
    });
    ADD_FAILURE() << "expected an error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "block 17 failed");
  }
  set_scoring_workers(0);  // below one: one worker
  EXPECT_EQ(scoring_workers(), 1);
}

// Helpers are made once: many calls run on the same few threads, each helper sees the
// caller's grad mode, and a call made from inside a block (or from a second thread while one
// is served) runs its blocks on its own thread instead of waiting for busy helpers.
TEST(ScoringWorkers, HelpersAreKeptAndNestedOrConcurrentCallsStillRunEveryBlock) {
  // Each thread that runs a block counts itself once: a fresh thread per call would count 80.
  static std::atomic<int> threads_seen{0};
  std::atomic<int> grad_mode_seen{0};
  {
    torch::NoGradGuard no_grad;
    for (int call = 0; call < 40; ++call) {
      for_each_block_on(3, 6, [&](int64_t) {
        thread_local bool counted = false;
        if (!counted) {
          counted = true;
          ++threads_seen;
        }
        if (!torch::GradMode::is_enabled()) ++grad_mode_seen;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      });
    }
  }
  EXPECT_EQ(grad_mode_seen.load(), 40 * 6);
  EXPECT_GE(threads_seen.load(), 2);  // the helpers took blocks
  EXPECT_LE(threads_seen.load(), 8);  // the caller and the kept helpers only

  std::vector<std::atomic<int>> inner_runs(8 * 5);
  auto nested = [&] {
    for_each_block_on(2, 8, [&](int64_t outer) {
      for_each_block_on(2, 5, [&](int64_t inner) { ++inner_runs[static_cast<size_t>(outer * 5 + inner)]; });
    });
  };
  std::thread other(nested);
  nested();
  other.join();
  for (const auto& count : inner_runs) EXPECT_EQ(count.load(), 2);
}

// The helpers wait awake for a while after a call and then sleep: calls spaced beyond that
// wait (helpers asleep, woken by the call) and back-to-back calls (helpers awake) both run
// every block exactly once, and a block the helper takes is waited for before the call returns.
TEST(ScoringWorkers, CallsRunEveryBlockWhetherTheHelpersSleptOrStayedAwake) {
  for (const auto gap : {std::chrono::microseconds(0), std::chrono::microseconds(5000)}) {
    for (int call = 0; call < 6; ++call) {
      std::this_thread::sleep_for(gap);
      std::vector<std::atomic<int>> runs(4);
      std::atomic<int> finished{0};
      for_each_block_on(2, 4, [&](int64_t block) {
        std::this_thread::sleep_for(std::chrono::microseconds(300));
        ++runs[static_cast<size_t>(block)];
        ++finished;
      });
      EXPECT_EQ(finished.load(), 4) << "gap " << gap.count() << " us, call " << call;
      for (const auto& count : runs) EXPECT_EQ(count.load(), 1);
    }
  }
}

class RmsePlugin : public PluginTest {};

TEST_F(RmsePlugin, MatchesHandComputedErrorOverEveryInteraction) {
  FixedScorer scorer(torch::tensor({{0.9f, 0.8f, 0.7f, 0.6f, 0.5f},
                                    {0.1f, 0.2f, 0.3f, 0.4f, 0.5f},
                                    {0.5f, 0.5f, 0.5f, 0.1f, 0.0f}}));
  // User 1 rated item 4 twice; both ratings count, since rmse is per interaction.
  auto test = matrix(3, 5, {{0, 2}, {4, 4}, {}});
  test.ratings = {1.0f, 0.5f, 0.0f, 1.0f};
  EvaluationData data{&test, nullptr, nullptr};
  // Errors: (0, 0) 1.0 - 0.9 = 0.1; (0, 2) 0.5 - 0.7 = -0.2; (1, 4) 0.0 - 0.5 = -0.5; (1, 4) 1.0 - 0.5 = 0.5.
  // Squares 0.01 + 0.04 + 0.25 + 0.25 = 0.55 over 4 interactions: sqrt(0.1375).
  const double expected = std::sqrt(0.1375);
  // A batch of 3 splits the 4 pairs 3 + 1; the default scores them in one call.
  for (const json& node : {json{{"plugin", "rmse"}, {"batch_size", 3}}, json{{"plugin", "rmse"}}}) {
    auto metrics = build<Evaluator>(node, ComponentKind::evaluator)->evaluate(scorer, data);
    ASSERT_EQ(metrics.size(), 1u);
    EXPECT_EQ(metrics[0].name, "rmse");
    // The scores are floats (0.9f is not 0.9), hence the tolerance.
    EXPECT_NEAR(metrics[0].value, expected, 1e-6) << node.dump();
    EXPECT_TRUE(metrics[0].per_user.empty());
    EXPECT_TRUE(metrics[0].user_ids.empty());
  }
}

TEST_F(RmsePlugin, RefusesDataWithoutRatings) {
  FixedScorer scorer(torch::zeros({2, 3}));
  auto test = matrix(2, 3, {{0}, {1, 2}});
  EvaluationData data{&test, nullptr, nullptr};
  auto rmse = build<Evaluator>({{"plugin", "rmse"}}, ComponentKind::evaluator);
  try {
    rmse->evaluate(scorer, data);
    FAIL() << "rmse evaluated data without ratings";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "rmse needs ratings; this dataset has none");
  }
}

}  // namespace
}  // namespace spotlight
