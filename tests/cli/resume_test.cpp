// Interrupted runs: a run killed with SIGKILL at any moment resumes with --resume and ends
// exactly where an uninterrupted run ends.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/process.h"


namespace spotlight {
namespace {

using nlohmann::json;
using testing::shell_quote;

const std::string kCli = SPOTLIGHT_CLI;
const std::string kQuickstart = std::string(SPOTLIGHT_SOURCE_DIR) + "/examples/experiments/quickstart.json";

std::vector<std::string> run_arguments(const std::string& output, bool resume) {
  std::vector<std::string> arguments{kCli, "run", kQuickstart, "--set", "model.n_iter=6", "--set", "threads=1",
                                     "--output", output};
  if (resume) arguments.push_back("--resume");
  return arguments;
}

// Starts the CLI without waiting for it.
pid_t start(const std::vector<std::string>& arguments) { return testing::start_detached(arguments); }

// The epochs the interrupted run's last checkpoint holds (0 when there is none yet).
int64_t checkpointed_epochs(const std::filesystem::path& output) {
  std::ifstream file(output / "partial" / "checkpoint.json");
  if (!file) return 0;
  const auto metadata = json::parse(file, nullptr, false);
  return metadata.is_object() ? metadata.value("epochs", int64_t{0}) : 0;
}

TEST(Resume, RunsKilledAtRandomMomentsFinishExactlyAsAnUninterruptedRun) {
  testing::TemporaryDirectory folder;
  const auto whole = (folder.path() / "whole").string();
  auto uninterrupted = testing::run_process(shell_quote(kCli) + " run " + shell_quote(kQuickstart) +
                                            " --set model.n_iter=6 --set threads=1 --output " + shell_quote(whole));
  ASSERT_EQ(uninterrupted.exit_code, 0) << uninterrupted.err;
  const auto expected = json::parse(testing::read_text(folder.path() / "whole" / "metrics.json"));

  const auto output = folder.path() / "killed";
  std::mt19937 random(7);
  int kills = 0;
  bool resume = false;
  for (int attempt = 0; attempt < 40 && !std::filesystem::exists(output / "metrics.json"); ++attempt) {
    const pid_t pid = start(run_arguments(output.string(), resume));
    // Kill after a random delay, sometimes mid-epoch, sometimes while a checkpoint is written.
    const auto delay = std::chrono::milliseconds(std::uniform_int_distribution<int>(300, 1500)(random));
    std::this_thread::sleep_for(delay);
    if (kill(pid, SIGKILL) == 0) ++kills;
    int status = 0;
    waitpid(pid, &status, 0);
    resume = checkpointed_epochs(output) > 0 || resume;
    if (WIFEXITED(status)) {
      ASSERT_EQ(WEXITSTATUS(status), 0) << "attempt " << attempt;
    }
  }
  if (!std::filesystem::exists(output / "metrics.json")) {
    auto finish = testing::run_process(shell_quote(kCli) + " run " + shell_quote(kQuickstart) +
                                       " --set model.n_iter=6 --set threads=1 --output " +
                                       shell_quote(output.string()) + (resume ? " --resume" : ""));
    ASSERT_EQ(finish.exit_code, 0) << finish.err;
  }
  EXPECT_GE(kills, 1);
  const auto metrics = json::parse(testing::read_text(output / "metrics.json"));
  EXPECT_EQ(metrics.at("metrics"), expected.at("metrics"));
  ASSERT_EQ(metrics.at("epochs").size(), 6u);
  for (size_t epoch = 0; epoch < 6; ++epoch) {
    EXPECT_EQ(metrics.at("epochs")[epoch].at("loss"), expected.at("epochs")[epoch].at("loss")) << epoch;
  }
  // The finished run cleans up after itself.
  EXPECT_FALSE(std::filesystem::exists(output / "partial"));
  EXPECT_TRUE(std::filesystem::exists(output / "model.pt"));
}

TEST(Resume, MistakesAreOneLineErrors) {
  testing::TemporaryDirectory folder;
  const auto output = shell_quote((folder.path() / "out").string());
  auto nothing = testing::run_process(shell_quote(kCli) + " run " + shell_quote(kQuickstart) + " --output " + output +
                                      " --resume");
  EXPECT_EQ(nothing.exit_code, 1);
  EXPECT_EQ(nothing.err, "spotlight: error: --resume: " + (folder.path() / "out").string() +
                             " holds no interrupted run (no partial/checkpoint.json)\n");
  // An interrupted run of another experiment is not continued.
  const pid_t pid = start(run_arguments((folder.path() / "out").string(), false));
  for (int wait = 0; wait < 2000 && checkpointed_epochs(folder.path() / "out") == 0; ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  ASSERT_GT(checkpointed_epochs(folder.path() / "out"), 0);
  auto changed = testing::run_process(shell_quote(kCli) + " run " + shell_quote(kQuickstart) +
                                      " --set model.n_iter=6 --set threads=1 --set model.seed=9 --output " + output +
                                      " --resume");
  EXPECT_EQ(changed.exit_code, 1);
  EXPECT_EQ(changed.err, "spotlight: error: --resume: the experiment differs from the interrupted run's at model.seed; resume "
                             "with the same experiment and --set values, or use another --output\n");
}

TEST(Resume, AHistoryThatDoesNotMatchTheEpochsIsRefused) {
  testing::TemporaryDirectory folder;
  const auto output = folder.path() / "out";
  const pid_t pid = start(run_arguments(output.string(), false));
  for (int wait = 0; wait < 2000 && checkpointed_epochs(output) < 2; ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  const int64_t epochs = checkpointed_epochs(output);
  ASSERT_GE(epochs, 2);
  // One epoch's record taken out of the history, as a hand edit or a mix of two runs would.
  auto metadata = json::parse(testing::read_text(output / "partial" / "checkpoint.json"));
  metadata["history"].erase(metadata["history"].size() - 1);
  testing::write_text(output / "partial" / "checkpoint.json", metadata.dump());
  auto resumed = testing::run_process(shell_quote(kCli) + " run " + shell_quote(kQuickstart) +
                                      " --set model.n_iter=6 --set threads=1 --output " + shell_quote(output.string()) +
                                      " --resume");
  EXPECT_EQ(resumed.exit_code, 1);
  EXPECT_EQ(resumed.err, "spotlight: error: --resume: " + (output / "partial" / "checkpoint.json").string() +
                             " records " + std::to_string(epochs) + " epochs done but a history of " +
                             std::to_string(epochs - 1) +
                             " epochs; it was not written by one run, start again without --resume\n");
}

// A run that trains until it is killed.
std::vector<std::string> endless_run_arguments(const std::string& output) {
  return {kCli, "run", kQuickstart, "--set", "model.n_iter=100000", "--set", "threads=1", "--output", output};
}

// A run owns its folder: a second run into it fails at once, naming the first.
TEST(RunFolder, ASecondRunIntoTheSameFolderFailsAtOnce) {
  testing::TemporaryDirectory folder;
  const auto output = folder.path() / "out";
  const pid_t pid = start(endless_run_arguments(output.string()));
  for (int wait = 0; wait < 2000 && checkpointed_epochs(output) == 0; ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_GT(checkpointed_epochs(output), 0);
  const auto started = std::chrono::steady_clock::now();
  auto second = testing::run_process(shell_quote(kCli) + " run " + shell_quote(kQuickstart) + " --output " +
                                     shell_quote(output.string()));
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));  // did not wait for the first
  EXPECT_EQ(second.exit_code, 1);
  const std::string holder = "is in use by another run (pid " + std::to_string(pid) + ": " + kCli + " run " + kQuickstart;
  EXPECT_EQ(second.err.rfind("spotlight: error: " + output.string() + " " + holder, 0), 0u) << second.err;
  EXPECT_NE(second.err.find("); wait for it to finish or use another --output\n"), std::string::npos) << second.err;
  EXPECT_EQ(std::count(second.err.begin(), second.err.end(), '\n'), 1);
}

// The output set is replaced whole: a kill leaves the previous complete set, a finished run
// leaves its own complete set even where a file of the old one could not have been replaced.
TEST(RunFolder, TheOutputSetIsReplacedWholeOrNotAtAll) {
  testing::TemporaryDirectory folder;
  const auto output = folder.path() / "out";
  const auto run = [&](int epochs) {
    return testing::run_process(shell_quote(kCli) + " run " + shell_quote(kQuickstart) + " --set model.n_iter=" +
                                std::to_string(epochs) + " --set threads=1 --output " + shell_quote(output.string()));
  };
  ASSERT_EQ(run(1).exit_code, 0);
  const std::string first_metrics = testing::read_text(output / "metrics.json");
  const std::string first_checkpoint = testing::read_text(output / "checkpoint.json");

  // Killed while training: the first run's set is there as it was, beside the partial checkpoint.
  const pid_t pid = start(endless_run_arguments(output.string()));
  for (int wait = 0; wait < 2000 && checkpointed_epochs(output) == 0; ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  EXPECT_EQ(testing::read_text(output / "metrics.json"), first_metrics);
  EXPECT_EQ(testing::read_text(output / "checkpoint.json"), first_checkpoint);

  // A file of the set that a rename could not replace (a folder holding a file where metrics.json was).
  std::filesystem::remove(output / "metrics.json");
  std::filesystem::create_directories(output / "metrics.json" / "inside");
  ASSERT_EQ(run(2).exit_code, 0);
  const auto metrics = json::parse(testing::read_text(output / "metrics.json"));
  EXPECT_EQ(metrics.at("epochs").size(), 2u);
  EXPECT_EQ(json::parse(testing::read_text(output / "checkpoint.json")).at("epochs"), 2);
  EXPECT_FALSE(std::filesystem::exists(output / "partial"));
  std::vector<std::string> entries;
  for (const auto& entry : std::filesystem::directory_iterator(folder.path())) {
    entries.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(entries, std::vector<std::string>{"out"}) << "the staging folder was left beside the output";
}

// tests/cli/fixtures/checkpoint_before_optimizer_plugins holds the partial checkpoint (after
// epoch 1 of 2) of a run made by the build before optimizers were plugins, when the host built
// Adam itself: its resolved experiment has "optimizer": {"type": "adam", ...} and its plugin
// list names no optimizer. It resumes, its Adam state loads into the adam plugin's optimizer,
// and the run ends as that build's uninterrupted run ended.
TEST(Resume, ACheckpointFromBeforeOptimizerPluginsResumesAsItWouldHave) {
  const std::filesystem::path fixture =
      std::filesystem::path(SPOTLIGHT_SOURCE_DIR) / "tests" / "cli" / "fixtures" / "checkpoint_before_optimizer_plugins";
  testing::TemporaryDirectory folder;
  const auto output = folder.path() / "out";
  std::filesystem::create_directories(output);
  std::filesystem::copy(fixture / "partial", output / "partial");
  auto resumed = testing::run_process(shell_quote(kCli) + " run " + shell_quote((fixture / "experiment.json").string()) +
                                      " --output " + shell_quote(output.string()) + " --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE((resumed.out + resumed.err).find("resuming after epoch 1"), std::string::npos) << resumed.out;
  const auto metrics = json::parse(testing::read_text(output / "metrics.json"));
  // What the earlier build's uninterrupted two-epoch run of the same experiment reported.
  ASSERT_EQ(metrics.at("epochs").size(), 2u);
  EXPECT_NEAR(metrics.at("epochs")[1].at("loss").get<double>(), 0.4798168149427511, 1e-6);
  EXPECT_NEAR(metrics.at("metrics").at("mrr").get<double>(), 0.09015248448129473, 1e-6);
  const auto experiment = json::parse(testing::read_text(output / "experiment.json"));
  EXPECT_EQ(experiment.at("model").at("optimizer"),
            json::parse(R"({"type": "adam", "learning_rate": 0.02, "l2": 0.0, "beta1": 0.9, "beta2": 0.999,
                            "eps": 1e-8, "amsgrad": false})"));
}

}  // namespace
}  // namespace spotlight
