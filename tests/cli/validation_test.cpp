// Validation and early stopping through the real binary: the watched metric per epoch, the
// stop after `patience` epochs without improvement, the best epoch's parameters kept for the
// test metrics and the checkpoint, and a killed run that resumes to the same end.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/process.h"

namespace spotlight {
namespace {

using nlohmann::json;
using testing::shell_quote;

const std::string kCli = SPOTLIGHT_CLI;
const std::string kChain = std::string(SPOTLIGHT_SOURCE_DIR) + "/examples/experiments/synthetic_sequence_chain.json";

std::string validation(int patience) {
  return "validation={\"fraction\":0.2,\"patience\":" + std::to_string(patience) + "}";
}

testing::ProcessResult run(const std::filesystem::path& output, int n_iter, int patience, const std::string& extra = "") {
  return testing::run_process(shell_quote(kCli) + " run " + shell_quote(kChain) + " --set " +
                              shell_quote(validation(patience)) + " --set model.n_iter=" + std::to_string(n_iter) +
                              " --set threads=1 --output " + shell_quote(output.string()) + extra);
}

json read_json(const std::filesystem::path& file) { return json::parse(testing::read_text(file)); }

TEST(Validation, StopsAfterPatienceEpochsAndKeepsTheBestEpoch) {
  testing::TemporaryDirectory folder;
  const auto stopped = folder.path() / "stopped";
  const auto result = run(stopped, 40, 2);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto metrics = read_json(stopped / "metrics.json");
  const auto& epochs = metrics.at("epochs");
  const auto& summary = metrics.at("validation");
  // The best epoch is the one with the highest validation value, and training went on for
  // exactly `patience` epochs after it.
  int64_t best_epoch = 0;
  double best = -1;
  for (const auto& epoch : epochs) {
    ASSERT_TRUE(epoch.contains("validation")) << epoch;
    if (epoch.at("validation").get<double>() > best) {
      best = epoch.at("validation").get<double>();
      best_epoch = epoch.at("epoch").get<int64_t>();
    }
  }
  ASSERT_LT(epochs.size(), 40u) << "the chain should stop improving long before 40 epochs";
  EXPECT_EQ(summary.at("best_epoch"), best_epoch);
  EXPECT_DOUBLE_EQ(summary.at("best").get<double>(), best);
  EXPECT_EQ(summary.at("metric"), "sequence_mrr");
  EXPECT_EQ(summary.at("stopped_early"), true);
  EXPECT_EQ(static_cast<int64_t>(epochs.size()), best_epoch + 2);
  EXPECT_TRUE(std::filesystem::exists(stopped / "validation.svg"));
  // The checkpoint holds the best epoch's parameters: evaluate reproduces the run's test
  // metrics, and they equal those of a run that simply ended at that epoch.
  EXPECT_EQ(read_json(stopped / "checkpoint.json").at("epochs"), best_epoch);
  const auto evaluated = testing::run_process(shell_quote(kCli) + " evaluate --model " + shell_quote(stopped.string()) +
                                              " --json");
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.err;
  EXPECT_EQ(json::parse(evaluated.out).at("metrics"), metrics.at("metrics"));
  const auto ended = folder.path() / "ended";
  ASSERT_EQ(run(ended, static_cast<int>(best_epoch), 1000).exit_code, 0);
  EXPECT_EQ(read_json(ended / "metrics.json").at("metrics"), metrics.at("metrics"));
}

TEST(Validation, MistakesAreOneLineErrors) {
  testing::TemporaryDirectory folder;
  const auto several = testing::run_process(
      shell_quote(kCli) + " run " + shell_quote(kChain) + " --set " +
      shell_quote("validation={\"evaluator\":{\"plugin\":\"hit_rate\",\"k\":[1,10]}}") + " --set model.n_iter=2 --output " +
      shell_quote((folder.path() / "out").string()));
  EXPECT_EQ(several.exit_code, 1);
  EXPECT_EQ(several.err, "spotlight: error: " + kChain + ": validation.metric: missing; the evaluator reports several metrics "
                         "(hit_rate@1, hit_rate@10): name the one to watch\n");
  const auto fraction = testing::run_process(shell_quote(kCli) + " run " + shell_quote(kChain) + " --set " +
                                             shell_quote("validation={\"fraction\":1.5}") + " --output " +
                                             shell_quote((folder.path() / "out").string()));
  EXPECT_EQ(fraction.exit_code, 1);
  EXPECT_EQ(fraction.err, "spotlight: error: " + kChain +
                              ": validation.fraction: expected a number from above 0 to 0.9, got 1.5\n");
}

// Killed at random moments and resumed, a run with early stopping ends as the uninterrupted one.
TEST(Validation, AKilledRunResumesToTheSameEnd) {
  testing::TemporaryDirectory folder;
  const auto whole = folder.path() / "whole";
  ASSERT_EQ(run(whole, 40, 3).exit_code, 0);
  const auto expected = read_json(whole / "metrics.json");

  const auto interrupted = folder.path() / "interrupted";
  const std::vector<std::string> arguments{kCli, "run", kChain, "--set", validation(3), "--set", "model.n_iter=40",
                                           "--set", "threads=1", "--output", interrupted.string()};
  const pid_t pid = testing::start_detached(arguments);
  // Killed once it has checkpointed a few epochs (after the best one was saved).
  for (int wait = 0; wait < 4000; ++wait) {
    std::ifstream file(interrupted / "partial" / "checkpoint.json");
    const auto metadata = file ? json::parse(file, nullptr, false) : json();
    if (metadata.is_object() && metadata.value("epochs", 0) >= 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  const auto resumed = run(interrupted, 40, 3, " --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const auto metrics = read_json(interrupted / "metrics.json");
  EXPECT_EQ(metrics.at("metrics"), expected.at("metrics"));
  EXPECT_EQ(metrics.at("validation"), expected.at("validation"));
  ASSERT_EQ(metrics.at("epochs").size(), expected.at("epochs").size());
  for (size_t i = 0; i < metrics.at("epochs").size(); ++i) {
    EXPECT_EQ(metrics.at("epochs")[i].at("validation"), expected.at("epochs")[i].at("validation")) << i;
  }
}

}  // namespace
}  // namespace spotlight
