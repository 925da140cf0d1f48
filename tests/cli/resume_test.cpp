// Interrupted runs: a run killed with SIGKILL at any moment resumes with --resume and ends
// exactly where an uninterrupted run ends.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/process.h"

extern char** environ;

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
pid_t start(const std::vector<std::string>& arguments) {
  std::vector<char*> argv;
  for (const auto& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  EXPECT_EQ(posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

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
