// The spotlight binary as a user runs it: exit codes and one-line messages.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/process.h"

namespace spotlight {
namespace {

using nlohmann::json;
using testing::ProcessResult;
using testing::run_process;
using testing::shell_quote;

const std::string kCli = SPOTLIGHT_CLI;
const std::string kQuickstart = std::string(SPOTLIGHT_SOURCE_DIR) + "/examples/experiments/quickstart.json";

ProcessResult spotlight(const std::string& arguments, const std::vector<std::string>& environment = {}) {
  return testing::run_spotlight(arguments, environment);
}

// Exactly one line on standard error.
void expect_one_line_error(const ProcessResult& result, const std::string& expected) {
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_EQ(result.err, expected + "\n");
}

TEST(Cli, PluginsJsonListsKindsAndVersions) {
  auto result = spotlight("plugins --json");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto listing = json::parse(result.out);
  std::map<std::string, std::string> kinds;
  for (const auto& plugin : listing.at("plugins")) {
    kinds[plugin.at("name")] = plugin.at("kind");
    EXPECT_EQ(plugin.at("version"), "1.0.0");
    EXPECT_FALSE(plugin.at("file").get<std::string>().empty());
    EXPECT_TRUE(plugin.at("parameters").is_array());
  }
  EXPECT_EQ(kinds, (std::map<std::string, std::string>{{"adagrad", "optimizer"},
                                                       {"adam", "optimizer"},
                                                       {"adaptive_hinge", "loss"},
                                                       {"bpr_max", "loss"},
                                                       {"popularity", "sampler"},
                                                       {"sampled_softmax", "loss"},
                                                       {"softmax", "loss"},
                                                       {"bilinear", "representation"},
                                                       {"bloom_embedding", "embedding"},
                                                       {"bpr", "loss"},
                                                       {"cnn", "representation"},
                                                       {"gru4rec", "representation"},
                                                       {"hinge", "loss"},
                                                       {"hit_rate", "evaluator"},
                                                       {"logistic", "loss"},
                                                       {"lstm", "representation"},
                                                       {"mixture", "representation"},
                                                       {"mrr", "evaluator"},
                                                       {"ndcg", "evaluator"},
                                                       {"pointwise", "loss"},
                                                       {"poisson", "loss"},
                                                       {"pooling", "representation"},
                                                       {"precision_recall", "evaluator"},
                                                       {"regression", "loss"},
                                                       {"rmse", "evaluator"},
                                                       {"sasrec", "representation"},
                                                       {"scaled_embedding", "embedding"},
                                                       {"sequence_mrr", "evaluator"},
                                                       {"sequence_precision_recall", "evaluator"},
                                                       {"sgd", "optimizer"},
                                                       {"simple_cf", "representation"},
                                                       {"sparse_adam", "optimizer"},
                                                       {"uniform", "sampler"},
                                                       {"zero_embedding", "embedding"}}));
  EXPECT_TRUE(listing.at("refused").empty());
}

// Optimizers are plugins like the others: listed with their kind and their own schemas.
TEST(Cli, PluginsJsonListsTheOptimizersSchemas) {
  auto result = spotlight("plugins --json");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::map<std::string, std::vector<std::string>> parameters;
  const auto listing = json::parse(result.out);
  for (const auto& plugin : listing.at("plugins")) {
    if (plugin.at("kind") != "optimizer") continue;
    auto& names = parameters[plugin.at("name")];
    for (const auto& parameter : plugin.at("parameters")) names.push_back(parameter.at("name"));
  }
  EXPECT_EQ(parameters, (std::map<std::string, std::vector<std::string>>{
                            {"adagrad", {"learning_rate", "l2", "lr_decay", "initial_accumulator_value", "eps"}},
                            {"adam", {"learning_rate", "l2", "beta1", "beta2", "eps", "amsgrad"}},
                            {"sgd", {"learning_rate", "l2", "momentum", "dampening", "nesterov"}},
                            {"sparse_adam", {"learning_rate", "l2", "beta1", "beta2", "eps"}}}));
}

TEST(Cli, DescribeShowsParameters) {
  auto result = spotlight("plugins describe uniform");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("uniform (sampler, version 1.0.0)"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("num_negative_samples"), std::string::npos);
  EXPECT_NE(result.out.find("default 5"), std::string::npos);
  expect_one_line_error(spotlight("plugins describe nothing"),
                        "spotlight: error: no plugin named \"nothing\" was found (see `spotlight plugins`)");
}

// A file name is bytes from the file system: a terminal escape in it is shown, never obeyed.
TEST(Cli, ARefusedLibrarysNameIsShownEscaped) {
  testing::TemporaryDirectory folder;
  const std::string name = "bad\x1b[2J.so";
  testing::write_text(folder.path() / name, "not a library");
  const auto listed = spotlight("--plugin-path " + shell_quote(folder.path().string()) + " plugins");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(listed.out.find('\x1b'), std::string::npos);
  EXPECT_NE(listed.out.find((folder.path() / "bad\\x1b[2J.so").string() + ": cannot be loaded"), std::string::npos)
      << listed.out;
  const auto run = spotlight("--plugin-path " + shell_quote(folder.path().string()) + " run " + shell_quote(kQuickstart) +
                             " --set model.n_iter=0");
  EXPECT_EQ(run.err.find('\x1b'), std::string::npos) << run.err;
  EXPECT_EQ(run.err.rfind("spotlight: warning: plugin library " + (folder.path() / "bad\\x1b[2J.so").string() +
                              " refused: ", 0),
            0u)
      << run.err;
}

TEST(Cli, ABrokenLibraryOnThePathIsReportedByNameWithItsReason) {
  auto result = spotlight("plugins --json --plugin-path " + shell_quote(SPOTLIGHT_FIXTURE_PLUGIN_DIR));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto listing = json::parse(result.out);
  std::string abi_reason;
  for (const auto& refusal : listing.at("refused")) {
    if (refusal.at("file").get<std::string>().find("fixture_wrong_abi_version.so") != std::string::npos) {
      abi_reason = refusal.at("reason");
    }
  }
  EXPECT_EQ(abi_reason,
            "wrong SDK ABI version: built for version 4, this host supports version 3; rebuild it against this SDK");
}

TEST(Cli, RunTrainsAndWritesOutputs) {
  testing::TemporaryDirectory folder;
  auto result = spotlight("run " + shell_quote(kQuickstart) + " --set model.n_iter=2 --output " +
                          shell_quote(folder.path().string()));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("epoch 1/2  loss "), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("epoch 2/2  loss "), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("mrr "), std::string::npos) << result.out;
  auto metrics = json::parse(testing::read_text(folder.path() / "metrics.json"));
  EXPECT_GT(metrics.at("metrics").at("mrr").get<double>(), 0.0);
  EXPECT_EQ(metrics.at("epochs").size(), 2u);
  auto experiment = json::parse(testing::read_text(folder.path() / "experiment.json"));
  EXPECT_EQ(experiment.at("model").at("n_iter"), 2);
}

TEST(Cli, ExperimentMistakesAreOneLineErrorsNamingFileAndPath) {
  const std::string prefix = "spotlight: error: " + kQuickstart + ": ";
  expect_one_line_error(spotlight("run " + shell_quote(kQuickstart) + " --set model.n_iterr=3"),
                        prefix + "model.n_iterr: unknown key (did you mean \"n_iter\"?)");
  expect_one_line_error(spotlight("run " + shell_quote(kQuickstart) + " --set 'model.n_iter=\"3\"'"),
                        prefix + "model.n_iter: expected a positive integer, got \"3\"");
  expect_one_line_error(spotlight("run " + shell_quote(kQuickstart) + " --set model.loss.plugin=warp"),
                        prefix + "model.loss.plugin: unknown plugin \"warp\"; available losses: adaptive_hinge, bpr, "
                                 "bpr_max, hinge, logistic, pointwise, poisson, regression, sampled_softmax, softmax");
  expect_one_line_error(spotlight("run " + shell_quote(kQuickstart) + " --set model.loss.plugin=uniform"),
                        prefix + "model.loss.plugin: \"uniform\" is a sampler plugin, expected a loss");
}

TEST(Cli, AFailedRunLeavesEarlierOutputsAlone) {
  testing::TemporaryDirectory folder;
  testing::write_text(folder.path() / "metrics.json", "earlier");
  auto result = spotlight("run " + shell_quote(kQuickstart) + " --set model.n_iter=0 --output " +
                          shell_quote(folder.path().string()));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(testing::read_text(folder.path() / "metrics.json"), "earlier");
}

TEST(Cli, StandardOutputThatCannotBeWrittenIsAFailure) {
  // A full disk, or no standard output at all: never exit 0 as if the listing were delivered.
  for (const char* sink : {"> /dev/full", ">&-"}) {
    // In a shell of its own, so that the sink applies inside what the harness redirects around it.
    const auto result = run_process("sh -c " + shell_quote(shell_quote(kCli) + " plugins --markdown " + sink));
    EXPECT_EQ(result.exit_code, 1) << sink << ": " << result.err;
    EXPECT_EQ(result.err, "spotlight: error: cannot write to standard output (closed pipe or full disk)\n") << sink;
  }
}

TEST(Cli, UsageMistakesExitWithTwo) {
  auto result = spotlight("frobnicate");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "spotlight: unknown command \"frobnicate\" (commands: run, plugins, evaluate, recommend, similar, export, serve)\n(see spotlight --help)\n");
  EXPECT_EQ(spotlight("run").exit_code, 2);
  EXPECT_EQ(spotlight("").exit_code, 2);
  EXPECT_EQ(spotlight("--allow-insecure-plugins").exit_code, 2);
  EXPECT_EQ(spotlight("--plugin-path /tmp").exit_code, 2);
  EXPECT_EQ(spotlight("--help").exit_code, 0);
  EXPECT_EQ(spotlight("run a.json --bogus").exit_code, 2);
  EXPECT_EQ(spotlight("run a.json --set").exit_code, 2);
}

TEST(Cli, ATerminalGetsAProgressBarAndAPipePlainLines) {
  // util-linux's `script` runs the command on a pseudo-terminal.
  if (run_process("script --version").exit_code != 0) GTEST_SKIP() << "script (util-linux) is not installed";
  testing::TemporaryDirectory folder;
  const std::string command = shell_quote(kCli) + " run " + shell_quote(kQuickstart) +
                              " --set model.n_iter=1 --output " + shell_quote(folder.path().string());
  auto terminal = run_process("script -qec " + shell_quote(command) + " /dev/null");
  ASSERT_EQ(terminal.exit_code, 0) << terminal.out;
  EXPECT_NE(terminal.out.find("\repoch 1/1 ["), std::string::npos) << terminal.out;
  EXPECT_NE(terminal.out.find("] 100%  loss "), std::string::npos) << terminal.out;
  EXPECT_NE(terminal.out.find("\r\033[Kepoch 1/1  loss "), std::string::npos) << terminal.out;
  auto piped = run_process(command);
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_EQ(piped.out.find('\r'), std::string::npos);
  EXPECT_NE(piped.out.find("epoch 1/1  loss "), std::string::npos);
}

TEST(Cli, EvaluateAndRecommendFromTheSavedModel) {
  testing::TemporaryDirectory folder;
  const std::string model = shell_quote(folder.path().string());
  auto run = spotlight("run " + shell_quote(kQuickstart) + " --set model.n_iter=2 --output " + model);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto metrics = json::parse(testing::read_text(folder.path() / "metrics.json"));

  // The saved model reproduces the run's metrics on the same split.
  auto evaluated = spotlight("evaluate --model " + model + " --json");
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.err;
  EXPECT_EQ(json::parse(evaluated.out).at("metrics"), metrics.at("metrics"));

  auto recommended = spotlight("recommend --model " + model + " --user 7 -k 5 --json");
  ASSERT_EQ(recommended.exit_code, 0) << recommended.err;
  auto items = json::parse(recommended.out);
  ASSERT_EQ(items.size(), 5u);
  for (size_t i = 1; i < items.size(); ++i) EXPECT_GE(items[i - 1].at("score"), items[i].at("score"));
  // With seen items allowed, the list can only get better.
  auto with_seen = json::parse(spotlight("recommend --model " + model + " --user 7 -k 5 --json --include-seen").out);
  EXPECT_GE(with_seen[0].at("score"), items[0].at("score"));
  auto text = spotlight("recommend --model " + model + " --user 7 -k 2");
  EXPECT_EQ(std::count(text.out.begin(), text.out.end(), '\n'), 2);

  expect_one_line_error(spotlight("recommend --model " + model + " --user 999999"),
                        "spotlight: error: user \"999999\" is not in the model's data");
  expect_one_line_error(spotlight("evaluate --model /nonexistent"),
                        "spotlight: error: /nonexistent: no checkpoint here (checkpoint.json is missing)");
  EXPECT_EQ(spotlight("recommend --model " + model + " --user 7 -k 0").exit_code, 2);
  EXPECT_EQ(spotlight("recommend --model " + model).exit_code, 2);
  expect_one_line_error(spotlight("recommend --model " + model + " --sequence 1,2"),
                        "spotlight: error: this model scores users by id; recommend with --user");
}

TEST(Cli, SequenceModelsRecommendWhatComesNextInTheDatasetsOwnIds) {
  // Twenty users each walk part of the cycle i0 -> i1 -> ... -> i9 -> i0: what follows is certain.
  testing::TemporaryDirectory folder;
  std::string csv = "user,item,time\n";
  for (int user = 0; user < 20; ++user) {
    for (int step = 0; step < 15; ++step) {
      csv += "u" + std::to_string(user) + ",i" + std::to_string((user + step) % 10) + "," + std::to_string(step) + "\n";
    }
  }
  testing::write_text(folder.path() / "cycle.csv", csv);
  json experiment{
      {"dataset", {{"loader", "csv"}, {"path", (folder.path() / "cycle.csv").string()}, {"header", true},
                   {"user_column", "user"}, {"item_column", "item"}, {"timestamp_column", "time"}}},
      {"split", {{"type", "user_based"}, {"test_fraction", 0.2}, {"seed", 1}}},
      {"sequence", {{"max_length", 5}, {"step_size", 1}}},
      {"model", {{"type", "implicit_sequence"}, {"representation", {{"plugin", "cnn"}, {"kernel_width", 2}}},
                 {"loss", {{"plugin", "bpr"}}}, {"sampler", {{"plugin", "uniform"}}}, {"n_iter", 30},
                 {"batch_size", 16}, {"seed", 3}}},
      {"evaluation", json::array({{{"plugin", "sequence_mrr"}}})},
      {"threads", 1}};
  testing::write_text(folder.path() / "cycle.json", experiment.dump());
  const std::string model = shell_quote((folder.path() / "model").string());
  auto run = spotlight("run " + shell_quote((folder.path() / "cycle.json").string()) + " --output " + model);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto metrics = json::parse(testing::read_text(folder.path() / "model" / "metrics.json"));
  EXPECT_GT(metrics.at("metrics").at("sequence_mrr").get<double>(), 0.5);
  auto evaluated = spotlight("evaluate --model " + model + " --json");
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.err;
  EXPECT_EQ(json::parse(evaluated.out).at("metrics"), metrics.at("metrics"));

  auto next = spotlight("recommend --model " + model + " --sequence i3,i4,i5 -k 3 --json");
  ASSERT_EQ(next.exit_code, 0) << next.err;
  auto items = json::parse(next.out);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].at("item"), "i6");
  for (const auto& item : items) EXPECT_NE(item.at("item"), "");  // never the padding id
  // u0 walked i0 .. i9, i0 .. i4: next is i5, which u0 has seen, so only --include-seen shows it.
  auto for_user = json::parse(spotlight("recommend --model " + model + " --user u0 -k 1 --json --include-seen").out);
  EXPECT_EQ(for_user[0].at("item"), "i5");
  auto all_seen = json::parse(spotlight("recommend --model " + model + " --user u0 -k 3 --json").out);
  EXPECT_TRUE(all_seen.empty()) << all_seen;

  // Other interactions as the test set: u0's next items, plus a user the model never saw.
  testing::write_text(folder.path() / "later.csv", "user,item,time\nu0,i5,100\nu0,i6,101\nnobody,i1,102\n");
  testing::write_text(folder.path() / "later.json",
                      json{{"loader", "csv"}, {"path", (folder.path() / "later.csv").string()}, {"header", true},
                           {"user_column", "user"}, {"item_column", "item"}, {"timestamp_column", "time"}}
                          .dump());
  auto later = spotlight("evaluate --model " + model + " --data " + shell_quote((folder.path() / "later.json").string()) +
                         " --json");
  ASSERT_EQ(later.exit_code, 0) << later.err;
  EXPECT_EQ(later.err, "spotlight: 1 interactions of users or items the model does not know were left out\n");
  EXPECT_TRUE(json::parse(later.out).at("metrics").contains("sequence_mrr"));
  // The same dataset section inside {"dataset": ...} (as an experiment file holds it) is read the same.
  testing::write_text(folder.path() / "wrapped.json",
                      json{{"dataset", json::parse(testing::read_text(folder.path() / "later.json"))}}.dump());
  auto wrapped = spotlight("evaluate --model " + model + " --data " +
                           shell_quote((folder.path() / "wrapped.json").string()) + " --json");
  ASSERT_EQ(wrapped.exit_code, 0) << wrapped.err;
  EXPECT_EQ(json::parse(wrapped.out).at("metrics"), json::parse(later.out).at("metrics"));
  testing::write_text(folder.path() / "strangers.csv", "user,item,time\nnobody,i1,1\n");
  testing::write_text(folder.path() / "strangers.json",
                      json{{"loader", "csv"}, {"path", (folder.path() / "strangers.csv").string()}, {"header", true},
                           {"user_column", "user"}, {"item_column", "item"}, {"timestamp_column", "time"}}
                          .dump());
  const std::string strangers = (folder.path() / "strangers.json").string();
  expect_one_line_error(spotlight("evaluate --model " + model + " --data " + shell_quote(strangers)),
                        "spotlight: error: " + strangers +
                            ": none of its 1 interactions has a user and an item the model knows");

  expect_one_line_error(spotlight("recommend --model " + model + " --sequence i3,x9"),
                        "spotlight: error: item \"x9\" is not in the model's data");
  EXPECT_EQ(spotlight("recommend --model " + model + " --sequence i3,,i4").exit_code, 2);
}

TEST(Cli, PluginsOthersCouldHaveWrittenNeedAnExplicitOptOut) {
  testing::TemporaryDirectory folder;
  const auto shared = folder.path() / "shared";
  std::filesystem::create_directories(shared);
  std::filesystem::copy_file(std::filesystem::path(SPOTLIGHT_FIXTURE_PLUGIN_DIR) / "fixture_throwing_factory.so",
                             shared / "fixture_throwing_factory.so");
  std::filesystem::permissions(shared, std::filesystem::perms(0777));
  const std::string path = " --plugin-path " + shell_quote(shared.string());
  auto has_plugin = [](const ProcessResult& result) {
    return result.out.find("\"throwing_factory\"") != std::string::npos;
  };
  auto refused = spotlight("plugins --json" + path);
  EXPECT_FALSE(has_plugin(refused));
  EXPECT_NE(refused.out.find("is writable by every user"), std::string::npos) << refused.out;
  EXPECT_TRUE(has_plugin(spotlight("plugins --json --allow-insecure-plugins" + path)));
  EXPECT_TRUE(has_plugin(spotlight("plugins --json" + path, {"SPOTLIGHT_ALLOW_INSECURE_PLUGINS=1"})));
}

TEST(Cli, AnEmptyTestSetIsAnError) {
  expect_one_line_error(spotlight("run " + shell_quote(kQuickstart) +
                                  " --set dataset.num_users=2 --set split.type=user_based --set split.test_fraction=0.01"),
                        "spotlight: error: split: the test set is empty; use more data or another split.test_fraction");
}

TEST(Cli, MissingExperimentFile) {
  expect_one_line_error(spotlight("run /nonexistent.json"),
                        "spotlight: error: /nonexistent.json: cannot open the experiment file");
}

// The committed reference page is what the plugins' own schemas say, so the docs cannot drift.
TEST(Cli, PluginReferencePageIsTheGeneratedOne) {
  auto result = spotlight("plugins --markdown");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto committed = testing::read_text(std::string(SPOTLIGHT_SOURCE_DIR) + "/docs/plugin-reference.md");
  EXPECT_TRUE(committed == result.out)
      << "docs/plugin-reference.md differs from `spotlight plugins --markdown`; regenerate it with\n"
         "  build/bin/spotlight plugins --markdown > docs/plugin-reference.md";
  EXPECT_NE(result.out.find("### `bilinear`"), std::string::npos);
  EXPECT_NE(result.out.find("| `num_negative_samples` | integer | `5` |"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("\n## optimizers\n\n### `adagrad`"), std::string::npos) << result.out;
}

// The SDK guide shows the example plugin as it is in the repository, so the snippet always builds.
TEST(Docs, PluginGuideQuotesTheExamplePluginVerbatim) {
  const std::string source = SPOTLIGHT_SOURCE_DIR;
  const auto guide = testing::read_text(source + "/docs/plugins.md");
  for (const std::string file : {"examples/third_party_plugin/gmf.cpp", "examples/third_party_plugin/CMakeLists.txt"}) {
    const auto begin = guide.find("<!-- BEGIN: example code, " + file + " -->");
    ASSERT_NE(begin, std::string::npos) << file;
    const auto end = guide.find("<!-- END: example code -->", begin);
    ASSERT_NE(end, std::string::npos) << file;
    const auto quoted = guide.substr(begin, end - begin);
    EXPECT_NE(quoted.find(testing::read_text(source + "/" + file)), std::string::npos)
        << "docs/plugins.md quotes an old " << file << "; paste the file between its markers again";
  }
}

TEST(Cli, VersionIsTheProjects) {
  auto result = spotlight("--version");
  ASSERT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out.rfind("spotlight 0.1.0 (SDK ABI ", 0), 0u) << result.out;
}

// The OpenBLAS kernels are the widest the CPU runs (never its SSE3 fallback on a CPU newer
// than OpenBLAS knows), unless OPENBLAS_CORETYPE names others.
TEST(Cli, VersionNamesTheKernelsInUse) {
  // The kernels the host picks itself: a machine's environment may already choose OpenBLAS's
  // (OPENBLAS_CORETYPE), which the host keeps, as the last lines check.
  const auto result = run_process("env -u OPENBLAS_CORETYPE " + shell_quote(kCli) + " --version");
  ASSERT_EQ(result.exit_code, 0);
  if (__builtin_cpu_supports("avx512f")) {
    // One of OpenBLAS's AVX-512 kernel sets: SkylakeX, or a newer one it detected (Cooperlake
    // on a CPU with AVX-512 BF16, SapphireRapids).
    bool avx512_kernels = false;
    for (const char* kernels : {"SkylakeX", "Cooperlake", "SapphireRapids"}) {
      avx512_kernels |= result.out.find(std::string("vector loops avx512f, OpenBLAS kernels ") + kernels + "\n") !=
                        std::string::npos;
    }
    EXPECT_TRUE(avx512_kernels) << result.out;
  } else if (__builtin_cpu_supports("avx2")) {
    EXPECT_NE(result.out.find("vector loops avx2, OpenBLAS kernels "), std::string::npos) << result.out;
    EXPECT_EQ(result.out.find("Prescott"), std::string::npos) << result.out;
  }
  const auto forced = spotlight("--version", {"OPENBLAS_CORETYPE=Haswell"});
  EXPECT_NE(forced.out.find("OpenBLAS kernels Haswell"), std::string::npos) << forced.out;
}

}  // namespace
}  // namespace spotlight
