// Installs Spotlight into a temporary prefix, builds examples/third_party_plugin as its own
// CMake project against the installed SDK package, and runs an experiment with it through
// the installed, unchanged host binary.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/process.h"

namespace spotlight {
namespace {

using testing::run_process;
using testing::shell_quote;

TEST(ThirdPartyPlugin, BuildsAgainstTheInstalledSdkAndLoadsWithoutRebuildingTheHost) {
  testing::TemporaryDirectory folder;
  const std::string source = std::string(SPOTLIGHT_SOURCE_DIR) + "/examples/third_party_plugin";
  const auto build = folder.path() / "build";
  const auto prefix = folder.path() / "prefix";
  const std::string cmake = shell_quote(SPOTLIGHT_CMAKE_COMMAND);
  auto install = run_process(cmake + " --install " + shell_quote(SPOTLIGHT_BUILD_DIR) + " --prefix " +
                             shell_quote(prefix.string()));
  ASSERT_EQ(install.exit_code, 0) << install.out << install.err;
  const auto bin = prefix / SPOTLIGHT_INSTALL_BINDIR;
  const auto lib = prefix / SPOTLIGHT_INSTALL_LIBDIR;
  for (const std::filesystem::path& installed : std::vector<std::filesystem::path>{bin / "spotlight", lib / "libspotlight_sdk.so", lib / "spotlight/plugins/loss_bpr.so",
                                prefix / "include/spotlight/sdk/plugin.h", lib / "cmake/SpotlightSDK/SpotlightSDKConfig.cmake",
                                lib / "cmake/SpotlightSDK/SpotlightPlugin.cmake"}) {
    EXPECT_TRUE(std::filesystem::exists(installed)) << installed;
  }
  auto configure = run_process(cmake + " -S " + shell_quote(source) + " -B " + shell_quote(build.string()) +
                               " -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=" +
                               shell_quote(SPOTLIGHT_CXX_COMPILER) + " -DSpotlightSDK_DIR=" +
                               shell_quote((lib / "cmake/SpotlightSDK").string()));
  ASSERT_EQ(configure.exit_code, 0) << configure.out << configure.err;
  auto compile = run_process(cmake + " --build " + shell_quote(build.string()));
  ASSERT_EQ(compile.exit_code, 0) << compile.out << compile.err;
  ASSERT_TRUE(std::filesystem::exists(build / "gmf_representation.so"));

  const std::string cli = shell_quote((bin / "spotlight").string());
  const std::string path = "SPOTLIGHT_PLUGIN_PATH=" + shell_quote(build.string());
  auto listing = run_process(cli + " plugins describe gmf --json", {path});
  ASSERT_EQ(listing.exit_code, 0) << listing.err;
  auto gmf = nlohmann::json::parse(listing.out);
  EXPECT_EQ(gmf.at("kind"), "representation");
  EXPECT_EQ(gmf.at("version"), "0.1.0");

  auto run = run_process(cli + " run " + shell_quote(source + "/experiment.json") + " --output " +
                             shell_quote((folder.path() / "out").string()),
                         {path});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto metrics = nlohmann::json::parse(testing::read_text(folder.path() / "out" / "metrics.json"));
  // 300 items at random give an MRR near 0.021; GMF learns the clusters.
  EXPECT_GT(metrics.at("metrics").at("mrr").get<double>(), 0.05);

  // Without the path the host does not know "gmf".
  auto without = run_process(cli + " run " + shell_quote(source + "/experiment.json") + " --output " +
                             shell_quote((folder.path() / "out2").string()));
  EXPECT_EQ(without.exit_code, 1);
  EXPECT_NE(without.err.find("model.representation.plugin: unknown plugin \"gmf\""), std::string::npos) << without.err;
}

}  // namespace
}  // namespace spotlight
