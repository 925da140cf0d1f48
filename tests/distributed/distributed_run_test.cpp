// `spotlight run --nproc N` and `--rank/--world-size/--master`: data-parallel training over
// LibTorch's c10d on loopback, its results, and what happens when a rank dies.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <algorithm>
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

std::string run_command(const std::filesystem::path& output, const std::string& extra, int epochs = 3) {
  return shell_quote(kCli) + " run " + shell_quote(kQuickstart) + " --set model.n_iter=" + std::to_string(epochs) +
         " --set threads=1 --output " + shell_quote(output.string()) + " " + extra;
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

double mrr(const std::filesystem::path& output) {
  return json::parse(testing::read_text(output / "metrics.json")).at("metrics").at("mrr").get<double>();
}

// The mean loss of every epoch, as metrics.json records it.
std::vector<double> epoch_losses(const std::filesystem::path& output) {
  std::vector<double> losses;
  const auto metrics = json::parse(testing::read_text(output / "metrics.json"));
  for (const auto& epoch : metrics.at("epochs")) {
    losses.push_back(epoch.at("loss").get<double>());
  }
  return losses;
}

// What the saved model recommends to a few users, scores included.
std::string recommendations(const std::filesystem::path& output) {
  std::string all;
  for (const char* user : {"0", "17", "1999"}) {
    const auto result = testing::run_process(shell_quote(kCli) + " recommend --model " + shell_quote(output.string()) +
                                             " --user " + user + " -k 20 --json");
    EXPECT_EQ(result.exit_code, 0) << result.err;
    all += result.out;
  }
  return all;
}

// The process id of the rank `rank` whose command line names `output`, or 0.
pid_t find_rank(const std::filesystem::path& output, int rank) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream file(entry.path() / "cmdline");
    std::stringstream text;
    text << file.rdbuf();
    std::vector<std::string> words;
    std::string word;
    while (std::getline(text, word, '\0')) words.push_back(word);
    bool names_output = false;
    bool is_rank = false;
    for (size_t i = 0; i + 1 < words.size(); ++i) {
      names_output = names_output || words[i + 1] == output.string();
      is_rank = is_rank || (words[i] == "--rank" && words[i + 1] == std::to_string(rank));
    }
    if (names_output && is_rank) return static_cast<pid_t>(std::stol(entry.path().filename().string()));
  }
  return 0;
}

TEST(DistributedRun, TwoProcessesMatchOneWithinNoiseAndRepeatExactly) {
  testing::TemporaryDirectory folder;
  const auto alone = testing::run_process(run_command(folder.path() / "one", ""));
  ASSERT_EQ(alone.exit_code, 0) << alone.err;
  // --check-replicas-every-step compares the ranks' parameters after every optimizer step.
  const auto two = testing::run_process(run_command(folder.path() / "two", "--nproc 2 --check-replicas-every-step"));
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_NE(two.out.find("distributed: 2 processes, each training on its shard"), std::string::npos) << two.out;
  EXPECT_EQ(two.err, "");
  const auto again = testing::run_process(run_command(folder.path() / "again", "--nproc 2"));
  ASSERT_EQ(again.exit_code, 0) << again.err;

  // Same seed and same number of processes: the same model, to the bit.
  EXPECT_EQ(mrr(folder.path() / "two"), mrr(folder.path() / "again"));
  EXPECT_EQ(epoch_losses(folder.path() / "two"), epoch_losses(folder.path() / "again"));
  EXPECT_EQ(recommendations(folder.path() / "two"), recommendations(folder.path() / "again"));
  // Each rank trains on half the data with half of each minibatch: the accuracy is the
  // single process's within run-to-run noise, far above chance (1/1000 items ~ 0.007).
  const double one = mrr(folder.path() / "one");
  EXPECT_NEAR(mrr(folder.path() / "two"), one, 0.1 * one);
  EXPECT_GT(mrr(folder.path() / "two"), 5 * 0.0075);
  // Every epoch trained on all interactions, reported once by rank 0.
  const auto metrics = json::parse(testing::read_text(folder.path() / "two" / "metrics.json"));
  ASSERT_EQ(metrics.at("epochs").size(), 3u);
  EXPECT_EQ(metrics.at("epochs")[0].at("examples").get<int64_t>(),
            metrics.at("data").at("train_interactions").get<int64_t>());
}

TEST(DistributedRun, AKilledRankStopsTheRunAndResumeFinishesAsIfUninterrupted) {
  testing::TemporaryDirectory folder;
  constexpr int kEpochs = 12;
  const auto whole = testing::run_process(run_command(folder.path() / "whole", "--nproc 2", kEpochs));
  ASSERT_EQ(whole.exit_code, 0) << whole.err;

  const auto output = folder.path() / "killed";
  testing::ProcessResult interrupted;
  std::thread launcher([&] {
    interrupted = testing::run_process(run_command(output, "--nproc 2 --timeout 10", kEpochs));
  });
  // Once a checkpoint exists, kill rank 1 as a machine failure would.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  pid_t victim = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (std::filesystem::exists(output / "partial" / "checkpoint.json") && (victim = find_rank(output, 1)) != 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_NE(victim, 0) << "no checkpoint and rank 1 within a minute";
  const auto killed_at = std::chrono::steady_clock::now();
  ASSERT_EQ(kill(victim, SIGKILL), 0);
  launcher.join();
  // The whole run stops, promptly, naming the rank that died; no outputs are written.
  EXPECT_LT(std::chrono::steady_clock::now() - killed_at, std::chrono::seconds(30));
  EXPECT_EQ(interrupted.exit_code, 1);
  EXPECT_NE(interrupted.err.find("spotlight: rank 1 of 2 was killed by signal 9 (Killed); stopping the run"),
            std::string::npos)
      << interrupted.err;
  EXPECT_FALSE(std::filesystem::exists(output / "metrics.json"));

  const auto resumed = testing::run_process(run_command(output, "--nproc 2 --resume", kEpochs));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("resuming after epoch "), std::string::npos) << resumed.out;
  EXPECT_EQ(mrr(output), mrr(folder.path() / "whole"));
  EXPECT_EQ(epoch_losses(output), epoch_losses(folder.path() / "whole"));
  EXPECT_EQ(recommendations(output), recommendations(folder.path() / "whole"));
}

TEST(DistributedRun, ARankWhosePeersNeverComeStopsAfterTheTimeout) {
  testing::TemporaryDirectory folder;
  const auto started = std::chrono::steady_clock::now();
  // Rank 0 of 2 alone: it serves the rendezvous and waits for rank 1, which never starts.
  const auto lonely =
      testing::run_process(run_command(folder.path() / "out", "--rank 0 --world-size 2 --master 127.0.0.1:29671 --timeout 2"));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
  EXPECT_EQ(lonely.exit_code, 1);
  EXPECT_EQ(lonely.err.rfind("spotlight: error: distributed: rank 0 of 2: joining the rendezvous at 127.0.0.1:29671 failed: ", 0), 0u)
      << lonely.err;
  EXPECT_FALSE(std::filesystem::exists(folder.path() / "out" / "metrics.json"));
}

TEST(DistributedRun, InconsistentOptionsAreUsageErrors) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--rank 0 --world-size 2", "spotlight: --rank, --world-size and --master go together"},
      {"--rank 2 --world-size 2 --master 127.0.0.1:29500", "spotlight: --rank needs a whole number from 0 to 1, got \"2\""},
      {"--rank 0 --world-size 2 --master 29500", "spotlight: --master needs HOST:PORT (e.g. 10.0.0.1:29500), got \"29500\""},
      {"--rank 0 --world-size 2 --master host:0", "spotlight: --master port needs a whole number from 1 to 65535, got \"0\""},
      {"--nproc 0", "spotlight: --nproc needs a whole number from 1 to " + std::to_string(4 * std::max(1u, std::thread::hardware_concurrency())) + ", got \"0\""},
      {"--nproc 2 --rank 0 --world-size 2 --master 127.0.0.1:29500", "spotlight: --nproc starts the ranks itself; leave out --rank"},
      {"--timeout soon", "spotlight: --timeout needs a whole number from 1 to 86400, got \"soon\""},
  };
  testing::TemporaryDirectory folder;
  for (const auto& [options, message] : cases) {
    const auto result = testing::run_process(run_command(folder.path() / "out", options));
    EXPECT_EQ(result.exit_code, 2) << options;
    EXPECT_EQ(first_line(result.err), message) << options;
  }
}

}  // namespace
}  // namespace spotlight
