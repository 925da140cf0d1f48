// Every shipped example experiment runs from a clone, as a user runs it: the MovieLens ones
// name their dataset by "variant" and find it in SPOTLIGHT_DATA_DIR (here a cache filled
// from the local copy, so no network is needed). One epoch each, to keep the suite short.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/process.h"
#include "support/shared_data.h"

namespace spotlight {
namespace {

using testing::shell_quote;

std::vector<std::filesystem::path> examples() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::path(SPOTLIGHT_SOURCE_DIR) / "examples" / "experiments")) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

class Example : public ::testing::TestWithParam<std::filesystem::path> {};

TEST_P(Example, RunsOneEpochFromAClone) {
  const auto file = GetParam();
  const auto experiment = nlohmann::json::parse(testing::read_text(file));
  std::vector<std::string> environment;
  if (experiment.at("dataset").contains("variant")) {
    const auto cache = testing::movielens_cache();
    if (cache.empty()) GTEST_SKIP() << "no local copy of MovieLens 100K to fill the data cache from";
    environment.push_back("SPOTLIGHT_DATA_DIR=" + shell_quote(cache.string()));
  }
  EXPECT_FALSE(experiment.at("dataset").contains("path")) << "examples name their data so that a clone runs them";
  testing::TemporaryDirectory output;
  auto result = testing::run_spotlight("run " + shell_quote(file.string()) + " --set model.n_iter=1 --output " +
                                          shell_quote(output.path().string()),
                                      environment);
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  const auto metrics = nlohmann::json::parse(testing::read_text(output.path() / "metrics.json"));
  EXPECT_EQ(metrics.at("epochs").size(), 1u);
  for (const auto& [name, value] : metrics.at("metrics").items()) {
    EXPECT_TRUE(value.get<double>() > 0.0) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(Experiments, Example, ::testing::ValuesIn(examples()),
                         [](const ::testing::TestParamInfo<std::filesystem::path>& info) {
                           return info.param.stem().string();
                         });

}  // namespace
}  // namespace spotlight
