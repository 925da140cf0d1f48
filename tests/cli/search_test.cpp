// Hyperparameter search through `spotlight run` with a `search` block.
#include <set>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/process.h"

namespace spotlight {
namespace {

using nlohmann::json;
using testing::shell_quote;

const std::string kCli = SPOTLIGHT_CLI;

json searched_experiment(const json& search) {
  json experiment = json::parse(R"({
    "dataset": {"loader": "synthetic_random", "num_users": 200, "num_items": 100, "num_interactions": 4000,
                "num_clusters": 5, "affinity": 0.9, "seed": 3},
    "model": {"type": "implicit_factorization", "representation": {"plugin": "bilinear"},
              "loss": {"plugin": "bpr"}, "sampler": {"plugin": "uniform"}, "n_iter": 2},
    "evaluation": [{"plugin": "mrr"}, {"plugin": "hit_rate", "k": 10}],
    "threads": 1
  })");
  experiment["search"] = search;
  return experiment;
}

testing::ProcessResult run(const testing::TemporaryDirectory& folder, const json& experiment) {
  testing::write_text(folder.path() / "exp.json", experiment.dump());
  return testing::run_process(shell_quote(kCli) + " run " + shell_quote((folder.path() / "exp.json").string()) +
                              " --output " + shell_quote((folder.path() / "out").string()));
}

TEST(Search, RandomTrialsAreRecordedAndTheBestIsKept) {
  testing::TemporaryDirectory folder;
  auto result = run(folder, searched_experiment({{"trials", 3},
                                                 {"seed", 5},
                                                 {"metric", "mrr"},
                                                 {"parameters",
                                                  {{"model.optimizer.learning_rate", {{"log_uniform", {0.001, 0.1}}}},
                                                   {"model.embedding_dim", {{"choice", {8, 16}}}}}}}));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto search = json::parse(testing::read_text(folder.path() / "out" / "search.json"));
  ASSERT_EQ(search.at("trials").size(), 3u);
  double best = -1;
  for (const auto& trial : search.at("trials")) {
    ASSERT_EQ(trial.at("status"), "ok");
    const double rate = trial.at("parameters").at("model.optimizer.learning_rate").get<double>();
    EXPECT_GE(rate, 0.001);
    EXPECT_LE(rate, 0.1);
    // Each trial is a full run, with the searched values in its resolved experiment.
    const auto resolved = json::parse(
        testing::read_text(folder.path() / "out" / trial.at("output").get<std::string>() / "experiment.json"));
    EXPECT_EQ(resolved.at("model").at("embedding_dim"), trial.at("parameters").at("model.embedding_dim"));
    best = std::max(best, trial.at("metrics").at("mrr").get<double>());
  }
  EXPECT_EQ(search.at("best").at("metrics").at("mrr").get<double>(), best);
  const auto best_experiment = json::parse(testing::read_text(folder.path() / "out" / "best_experiment.json"));
  EXPECT_EQ(best_experiment.at("model").at("embedding_dim"), search.at("best").at("parameters").at("model.embedding_dim"));
  EXPECT_NE(testing::read_text(folder.path() / "out" / "search.svg").find("<polyline"), std::string::npos);
  EXPECT_NE(result.out.find("best: trial " + std::to_string(search.at("best").at("trial").get<int>())),
            std::string::npos);

  // The same seed draws the same values.
  testing::TemporaryDirectory again;
  auto repeated = run(again, json::parse(testing::read_text(folder.path() / "exp.json")));
  ASSERT_EQ(repeated.exit_code, 0) << repeated.err;
  const auto second = json::parse(testing::read_text(again.path() / "out" / "search.json"));
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(second.at("trials")[i].at("parameters"), search.at("trials")[i].at("parameters"));
  }
}

TEST(Search, GridRunsEveryCombinationAndCanMinimise) {
  testing::TemporaryDirectory folder;
  auto result = run(folder, searched_experiment({{"strategy", "grid"},
                                                 {"metric", "hit_rate@10"},
                                                 {"direction", "minimize"},
                                                 {"parameters",
                                                  {{"model.embedding_dim", {{"choice", {4, 8}}}},
                                                   {"model.loss.plugin", {{"choice", {"bpr", "hinge"}}}}}}}));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto search = json::parse(testing::read_text(folder.path() / "out" / "search.json"));
  ASSERT_EQ(search.at("trials").size(), 4u);
  std::set<std::string> seen;
  double lowest = 2;
  for (const auto& trial : search.at("trials")) {
    seen.insert(trial.at("parameters").dump());
    lowest = std::min(lowest, trial.at("metrics").at("hit_rate@10").get<double>());
  }
  EXPECT_EQ(seen.size(), 4u);
  EXPECT_EQ(search.at("best").at("metrics").at("hit_rate@10").get<double>(), lowest);
}

TEST(Search, MistakesInTheBlockAreOneLineErrors) {
  struct Case {
    json search;
    std::string message;
  };
  const json rate{{"model.optimizer.learning_rate", {{"uniform", {0.001, 0.1}}}}};
  const std::vector<Case> cases{
      {{{"parameters", rate}}, "search.metric: missing; expected a string"},
      {{{"metric", "mrr"}}, "search.parameters: expected an object mapping experiment paths to {\"choice\": [...]}, "
                            "{\"uniform\": [lo, hi]}, {\"log_uniform\": [lo, hi]} or {\"int_uniform\": [lo, hi]}"},
      {{{"metric", "mrr"}, {"strategy", "grid"}, {"parameters", rate}},
       "search.parameters.model.optimizer.learning_rate: a grid search takes only {\"choice\": [...]} parameters"},
      {{{"metric", "mrr"}, {"parameters", {{"model.n_iter", {{"normal", {1, 2}}}}}}},
       "search.parameters.model.n_iter: unknown distribution \"normal\" (expected choice, uniform, log_uniform or "
       "int_uniform)"},
      {{{"metric", "mrr"}, {"parameters", {{"model.n_iter", {{"int_uniform", {5, 2}}}}}}},
       "search.parameters.model.n_iter.int_uniform: low must be below high"},
      {{{"metric", "mrr"}, {"parameters", {{"model.n_iterr", {{"choice", {1, 2}}}}}}},
       "model.n_iterr: unknown key (did you mean \"n_iter\"?)"},
      {{{"metric", "ndcg@10"}, {"trials", 1}, {"parameters", rate}},
       "search.metric: no evaluator reports \"ndcg@10\" (the metrics are: hit_rate@10, mrr)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.search.dump());
    testing::TemporaryDirectory folder;
    auto result = run(folder, searched_experiment(c.search));
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_EQ(result.err, "spotlight: error: " + (folder.path() / "exp.json").string() + ": " + c.message + "\n");
  }
}

}  // namespace
}  // namespace spotlight
