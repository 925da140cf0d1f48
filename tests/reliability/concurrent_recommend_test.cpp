// One loaded model serving recommendations from many threads at once must give exactly the
// answers it gives one request at a time.
#include <sstream>
#include <thread>

#include "models/plugin_fixture.h"
#include "spotlight/framework/run/checkpoint.h"
#include "spotlight/framework/run/recommend.h"
#include "spotlight/framework/run/runner.h"
#include "support/process.h"

namespace spotlight {
namespace {

using nlohmann::json;
using testing::PluginTest;

class ConcurrentRecommend : public PluginTest {
 protected:
  // Trains `experiment` into a temporary folder and loads the saved model back.
  LoadedCheckpoint trained(const json& experiment) {
    run_experiment_in(folder_.path() / "model", experiment);
    return load_checkpoint(folder_.path() / "model", *registry_);
  }

  // Every request answered on `threads` threads at once, in request order.
  template <class Request>
  std::vector<std::vector<Recommendation>> answer(size_t requests, int threads, const Request& request) {
    std::vector<std::vector<Recommendation>> answers(requests);
    std::vector<std::thread> workers;
    for (int worker = 0; worker < threads; ++worker) {
      workers.emplace_back([&, worker] {
        for (size_t i = static_cast<size_t>(worker); i < requests; i += static_cast<size_t>(threads)) {
          answers[i] = request(i);
        }
      });
    }
    for (auto& worker : workers) worker.join();
    return answers;
  }

  static void expect_same(const std::vector<std::vector<Recommendation>>& one,
                          const std::vector<std::vector<Recommendation>>& many) {
    ASSERT_EQ(one.size(), many.size());
    for (size_t i = 0; i < one.size(); ++i) {
      ASSERT_EQ(one[i].size(), many[i].size()) << i;
      for (size_t k = 0; k < one[i].size(); ++k) {
        EXPECT_EQ(one[i][k].item, many[i][k].item) << i;
        EXPECT_EQ(one[i][k].score, many[i][k].score) << i;
      }
    }
  }

  testing::TemporaryDirectory folder_;
};

TEST_F(ConcurrentRecommend, FactorizationModelGivesTheSameAnswersOnEightThreads) {
  auto saved = trained(json::parse(R"({
    "dataset": {"loader": "synthetic_random", "num_users": 120, "num_items": 300, "num_interactions": 6000,
                "num_clusters": 6, "seed": 2},
    "model": {"type": "implicit_factorization", "representation": {"plugin": "bilinear"},
              "loss": {"plugin": "bpr"}, "sampler": {"plugin": "uniform"}, "n_iter": 2},
    "evaluation": [{"plugin": "mrr"}], "threads": 1
  })"));
  auto request = [&](size_t i) { return recommend_for_user(saved, std::to_string(i % 120), 10, i % 3 == 0); };
  const auto sequential = answer(240, 1, request);
  for (int round = 0; round < 3; ++round) expect_same(sequential, answer(240, 8, request));
}

TEST_F(ConcurrentRecommend, SequenceModelGivesTheSameAnswersOnEightThreads) {
  auto saved = trained(json::parse(R"({
    "dataset": {"loader": "synthetic_sequential", "num_users": 50, "num_items": 200, "num_interactions": 4000,
                "concentration": 0.01, "order": 2, "seed": 2},
    "split": {"type": "user_based"},
    "sequence": {"max_length": 10},
    "model": {"type": "implicit_sequence", "representation": {"plugin": "lstm"},
              "loss": {"plugin": "bpr"}, "sampler": {"plugin": "uniform"}, "n_iter": 1},
    "evaluation": [{"plugin": "sequence_mrr"}], "threads": 1
  })"));
  auto request = [&](size_t i) {
    const std::vector<std::string> items{std::to_string(1 + i % 199), std::to_string(1 + (i * 7) % 199),
                                         std::to_string(1 + (i * 13) % 199)};
    return recommend_for_sequence(saved, items, 10, i % 2 == 0);
  };
  const auto sequential = answer(300, 1, request);
  for (int round = 0; round < 3; ++round) expect_same(sequential, answer(300, 8, request));
}

}  // namespace
}  // namespace spotlight
