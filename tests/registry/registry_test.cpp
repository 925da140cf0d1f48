#include "spotlight/registry/registry.h"

#include <filesystem>

#include <unistd.h>

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/loss.h"
#include "support/process.h"

namespace spotlight {
namespace {

std::filesystem::path fixture(const std::string& name) {
  return std::filesystem::path(SPOTLIGHT_FIXTURE_PLUGIN_DIR) / ("fixture_" + name + ".so");
}

// The reason a library is refused for, or "" when it loads.
std::string refusal_reason(Registry& registry, const std::filesystem::path& file) {
  try {
    registry.load(file);
  } catch (const PluginLoadError& error) {
    EXPECT_EQ(error.file(), file.string());
    EXPECT_NE(std::string(error.what()).find(file.string()), std::string::npos) << "the message names the file";
    return error.reason();
  }
  return "";
}

TEST(Registry, DiscoversEveryShippedPlugin) {
  Registry registry;
  registry.discover({SPOTLIGHT_PLUGIN_DIR});
  EXPECT_TRUE(registry.refusals().empty());
  const std::vector<std::pair<std::string, ComponentKind>> expected{
      {"bilinear", ComponentKind::representation}, {"bpr", ComponentKind::loss},
      {"uniform", ComponentKind::sampler},         {"mrr", ComponentKind::evaluator},
      {"scaled_embedding", ComponentKind::embedding}, {"zero_embedding", ComponentKind::embedding},
      {"hit_rate", ComponentKind::evaluator},      {"ndcg", ComponentKind::evaluator},
      {"precision_recall", ComponentKind::evaluator}, {"rmse", ComponentKind::evaluator},
      {"pooling", ComponentKind::representation},  {"cnn", ComponentKind::representation},
      {"lstm", ComponentKind::representation},     {"mixture", ComponentKind::representation},
      {"bloom_embedding", ComponentKind::embedding}, {"sequence_mrr", ComponentKind::evaluator},
      {"sequence_precision_recall", ComponentKind::evaluator}};
  for (const auto& [name, kind] : expected) {
    const PluginRecord* plugin = registry.find(name);
    ASSERT_NE(plugin, nullptr) << name;
    EXPECT_EQ(plugin->kind, kind) << name;
    EXPECT_EQ(plugin->version, "1.0.0");
    EXPECT_FALSE(plugin->description.empty());
  }
  EXPECT_EQ(registry.names_of_kind(ComponentKind::embedding),
            (std::vector<std::string>{"bloom_embedding", "scaled_embedding", "zero_embedding"}));
}

TEST(Registry, SearchPathIsBuiltinThenEnvironmentThenFlags) {
  ::setenv("SPOTLIGHT_PLUGIN_PATH", "/first:/second::/third", 1);
  auto path = Registry::search_path({"/from-flag"});
  ::unsetenv("SPOTLIGHT_PLUGIN_PATH");
  ASSERT_EQ(path.size(), 5u);
  EXPECT_EQ(path[0], Registry::builtin_plugin_dir());
  EXPECT_EQ(path[1], "/first");
  EXPECT_EQ(path[2], "/second");
  EXPECT_EQ(path[3], "/third");
  EXPECT_EQ(path[4], "/from-flag");
  // The test binaries live in the build's bin/ folder, so the built-in folder is the build's.
  EXPECT_EQ(std::filesystem::canonical(path[0]), std::filesystem::canonical(SPOTLIGHT_PLUGIN_DIR));
}

TEST(Registry, RefusesAFileThatIsNotASharedLibrary) {
  testing::TemporaryDirectory folder;
  const auto file = folder.path() / "notes.so";
  testing::write_text(file, "this is text, not ELF\n");
  Registry registry;
  EXPECT_NE(refusal_reason(registry, file).find("cannot be loaded"), std::string::npos);
}

TEST(Registry, RefusesALibraryWithoutEntryPoint) {
  Registry registry;
  EXPECT_EQ(refusal_reason(registry, fixture("not_a_plugin")),
            "not a Spotlight plugin: it does not export spotlight_plugin_entry_v1");
}

TEST(Registry, RefusesAnUnrecognisedHandshake) {
  Registry registry;
  EXPECT_EQ(refusal_reason(registry, fixture("bad_magic")),
            "not a Spotlight plugin: its entry point returned an unrecognised handshake");
}

TEST(Registry, RefusesAnotherSdkAbiVersion) {
  Registry registry;
  EXPECT_EQ(refusal_reason(registry, fixture("wrong_abi_version")),
            "wrong SDK ABI version: built for version 4, this host supports version 3; rebuild it against this SDK");
}

TEST(Registry, RefusesAnotherHandshakeLayout) {
  Registry registry;
  const auto size = std::to_string(sizeof(PluginHandshake));
  const auto bigger = std::to_string(sizeof(PluginHandshake) + 8);
  const auto align = std::to_string(alignof(PluginHandshake));
  EXPECT_EQ(refusal_reason(registry, fixture("wrong_handshake_layout")),
            "handshake layout mismatch: the plugin's is " + bigger + " bytes, alignment " + align +
                ", this host expects " + size + " bytes, alignment " + align);
}

TEST(Registry, RefusesAnotherLibTorchVersion) {
  Registry registry;
  EXPECT_EQ(refusal_reason(registry, fixture("wrong_torch_version")),
            std::string("built against LibTorch 0.4.1, this host uses LibTorch ") + SPOTLIGHT_TORCH_VERSION +
                "; rebuild it against the same LibTorch");
}

TEST(Registry, RefusesAnotherCxxAbi) {
  Registry registry;
  const int host = SPOTLIGHT_CXX11_ABI;
  EXPECT_EQ(refusal_reason(registry, fixture("wrong_cxx11_abi")),
            "built with _GLIBCXX_USE_CXX11_ABI=" + std::to_string(host ? 0 : 1) +
                ", this host uses _GLIBCXX_USE_CXX11_ABI=" + std::to_string(host));
}

TEST(Registry, RefusesALibraryWithAnUnresolvedSymbol) {
  Registry registry;
  const auto reason = refusal_reason(registry, fixture("missing_symbol"));
  EXPECT_NE(reason.find("cannot be loaded"), std::string::npos) << reason;
  EXPECT_NE(reason.find("spotlight_symbol_that_does_not_exist"), std::string::npos) << reason;
}

TEST(Registry, RefusesADuplicateNameAndKeepsTheFirst) {
  Registry registry;
  registry.discover({SPOTLIGHT_PLUGIN_DIR});
  const auto shipped = registry.find("bpr")->file;
  EXPECT_EQ(refusal_reason(registry, fixture("duplicate_name")),
            "declares plugin \"bpr\", a name already taken by " + shipped.string());
  EXPECT_EQ(registry.find("bpr")->file, shipped);
  EXPECT_EQ(registry.find("bpr")->version, "1.0.0");
}

TEST(Registry, DiscoveryRecordsRefusalsAndGoesOn) {
  Registry registry;
  registry.discover({SPOTLIGHT_PLUGIN_DIR, SPOTLIGHT_FIXTURE_PLUGIN_DIR});
  // The fixtures folder holds three loadable plugins and nine libraries to refuse.
  EXPECT_NE(registry.find("throwing_factory"), nullptr);
  EXPECT_NE(registry.find("chain_link"), nullptr);
  EXPECT_NE(registry.find("wrong_kind"), nullptr);  // its lie only shows when it builds
  EXPECT_EQ(registry.find("fixture"), nullptr);  // every hand-made handshake is wrong in one field
  EXPECT_EQ(registry.find("null_factory"), nullptr);
  EXPECT_EQ(registry.refusals().size(), 9u);
  for (const auto& refusal : registry.refusals()) EXPECT_FALSE(refusal.reason.empty()) << refusal.file;
}

TEST(Registry, RefusesAPluginWithoutFactoryByName) {
  Registry registry;
  EXPECT_EQ(refusal_reason(registry, fixture("null_factory")),
            "plugin \"null_factory\" has no factory: its factory pointer is null");
  EXPECT_EQ(registry.find("null_factory"), nullptr);
}

TEST(Registry, RefusesAComponentOfAnotherKindThanDeclaredByName) {
  Registry registry;
  const auto& plugin = registry.load(fixture("wrong_kind"));
  EXPECT_EQ(plugin.kind, ComponentKind::loss);
  ComponentArgs args("model.loss", nlohmann::json::object(), {}, ModelContext{});
  try {
    registry.create(plugin, args);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "model.loss: plugin \"wrong_kind\" declares a loss but its factory built a sampler");
  }
}

TEST(Registry, ShippedPluginsBuildTheKindTheyDeclare) {
  // SPOTLIGHT_PLUGIN takes the kind from the class; what the host records is what it builds.
  Registry registry;
  const auto& plugin = registry.load(std::filesystem::path(SPOTLIGHT_PLUGIN_DIR) / "sampler_uniform.so");
  EXPECT_EQ(plugin.kind, ComponentKind::sampler);
  ModelContext model;
  model.num_items = 10;
  ComponentArgs args("model.sampler", {{"num_negative_samples", 5}, {"exclude_positive", false}}, {}, model);
  EXPECT_EQ(registry.create(plugin, args)->kind(), ComponentKind::sampler);
}

TEST(Registry, LoadingTheSameFileTwiceIsHarmless) {
  Registry registry;
  registry.discover({SPOTLIGHT_PLUGIN_DIR, SPOTLIGHT_PLUGIN_DIR});
  EXPECT_TRUE(registry.refusals().empty());
  // Every shipped plugin once: one per library in the folder, so adding a plugin needs no edit here.
  size_t libraries = 0;
  for (const auto& entry : std::filesystem::directory_iterator(SPOTLIGHT_PLUGIN_DIR)) {
    if (entry.path().extension() == ".so") ++libraries;
  }
  EXPECT_GE(libraries, 29u);  // the 27 of Spotlight's parts and optimizers, sasrec, gru4rec
  EXPECT_EQ(registry.plugins().size(), libraries);
}

TEST(Registry, AFactoryThatThrowsIsReportedWithThePluginName) {
  Registry registry;
  const auto& plugin = registry.load(fixture("throwing_factory"));
  ComponentArgs args("model.loss", nlohmann::json::object(), {}, ModelContext{});
  try {
    registry.create(plugin, args);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(),
                 "model.loss: plugin \"throwing_factory\" failed to build: the factory failed on purpose");
  }
}

TEST(Registry, AComponentKeepsItsLibraryLoaded) {
  std::shared_ptr<Loss> loss;
  {
    Registry registry;
    const auto& plugin = registry.load(std::filesystem::path(SPOTLIGHT_PLUGIN_DIR) / "loss_bpr.so");
    ComponentArgs args("model.loss", nlohmann::json::object(), {}, ModelContext{});
    loss = std::static_pointer_cast<Loss>(registry.create(plugin, args));
  }
  // The registry is gone; the loss's code must still be there.
  auto positive = torch::tensor({2.0f});
  auto negative = torch::tensor({0.0f});
  EXPECT_NEAR(loss->implicit_loss(positive, negative, torch::Tensor()).item<float>(), 1.0f - 1.0f / (1.0f + std::exp(-2.0f)),
              1e-6);
}

}  // namespace
}  // namespace spotlight

namespace spotlight {
namespace {

// A copy of the shipped bpr plugin in a fresh folder, to change owners and permissions on.
std::filesystem::path copy_of_bpr(const testing::TemporaryDirectory& folder) {
  const auto copy = folder.path() / "plugins" / "loss_bpr.so";
  std::filesystem::create_directories(copy.parent_path());
  std::filesystem::copy_file(std::filesystem::path(SPOTLIGHT_PLUGIN_DIR) / "loss_bpr.so", copy);
  std::filesystem::permissions(copy.parent_path(), std::filesystem::perms(0755));
  std::filesystem::permissions(copy, std::filesystem::perms(0755));
  return copy;
}

TEST(RegistryPolicy, RefusesALibraryInAFolderEveryoneCanWriteTo) {
  testing::TemporaryDirectory folder;
  const auto plugin = copy_of_bpr(folder);
  std::filesystem::permissions(plugin.parent_path(), std::filesystem::perms(0777));
  Registry registry;
  EXPECT_EQ(refusal_reason(registry, plugin),
            "refused: its folder " + plugin.parent_path().string() +
                " is writable by every user, so someone else could make it run their code as you; fix the "
                "permissions or pass --allow-insecure-plugins");
  Registry trusting;
  trusting.allow_insecure_plugins(true);
  EXPECT_EQ(refusal_reason(trusting, plugin), "");
}

TEST(RegistryPolicy, RefusesALibraryItsGroupCanWrite) {
  testing::TemporaryDirectory folder;
  const auto plugin = copy_of_bpr(folder);
  std::filesystem::permissions(plugin, std::filesystem::perms(0775));
  Registry registry;
  EXPECT_EQ(refusal_reason(registry, plugin).rfind("refused: its file " + plugin.string() + " is writable by its group", 0),
            0u);
}

TEST(RegistryPolicy, RefusesALibraryOwnedByAnotherUser) {
  testing::TemporaryDirectory folder;
  const auto plugin = copy_of_bpr(folder);
  if (::geteuid() != 0) GTEST_SKIP() << "only root can give a file to another user";
  ASSERT_EQ(::chown(plugin.c_str(), 65534, 65534), 0);
  Registry registry;
  EXPECT_EQ(refusal_reason(registry, plugin).rfind("refused: its file " + plugin.string() +
                                                       " belongs to another user (uid 65534)",
                                                   0),
            0u);
}

TEST(RegistryPolicy, AcceptsAPrivateCopy) {
  testing::TemporaryDirectory folder;
  Registry registry;
  EXPECT_EQ(refusal_reason(registry, copy_of_bpr(folder)), "");
}

// The trust check follows the real path: a symbolic link in a safe folder to a library in
// an unsafe one is refused, naming the unsafe folder.
TEST(RegistryPolicy, RefusesALinkIntoAnUnsafeFolder) {
  testing::TemporaryDirectory folder;
  const auto plugin = copy_of_bpr(folder);
  std::filesystem::permissions(plugin.parent_path(), std::filesystem::perms(0777));
  const auto safe = folder.path() / "safe";
  std::filesystem::create_directories(safe);
  std::filesystem::permissions(safe, std::filesystem::perms(0755));
  std::filesystem::create_symlink(plugin, safe / "loss_bpr.so");
  Registry registry;
  EXPECT_EQ(refusal_reason(registry, safe / "loss_bpr.so"),
            "refused: its folder " + plugin.parent_path().string() +
                " is writable by every user, so someone else could make it run their code as you; fix the "
                "permissions or pass --allow-insecure-plugins");
}

// Every folder up to / counts: a safe folder inside one everyone can write to can be renamed
// away and replaced. A sticky parent (like /tmp) does not allow that, so it is accepted.
TEST(RegistryPolicy, RefusesASafeFolderInsideAnUnsafeOneButNotInsideAStickyOne) {
  testing::TemporaryDirectory folder;
  const auto plugin = copy_of_bpr(folder);  // folder/plugins/loss_bpr.so, folder/plugins is 0755
  std::filesystem::permissions(folder.path(), std::filesystem::perms(0777));
  Registry registry;
  EXPECT_EQ(refusal_reason(registry, plugin).rfind("refused: its folder " + folder.path().string() +
                                                       " is writable by every user",
                                                   0),
            0u);
  std::filesystem::permissions(folder.path(), std::filesystem::perms(01777));
  Registry sticky;
  EXPECT_EQ(refusal_reason(sticky, plugin), "");
  std::filesystem::permissions(folder.path(), std::filesystem::perms(0700));
}

// A FIFO named *.so would block the open forever: it is refused by name, without being
// opened, even when insecure plugins are allowed.
TEST(RegistryPolicy, RefusesAFifoWithoutOpeningIt) {
  testing::TemporaryDirectory folder;
  const auto fifo = folder.path() / "blocked.so";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  Registry registry;
  registry.allow_insecure_plugins(true);
  EXPECT_EQ(refusal_reason(registry, fifo),
            "refused without opening it: it is a FIFO, and only regular files are loaded as plugins");
}

TEST(RegistryPolicy, ALoopOfSymbolicLinksIsOneLine) {
  testing::TemporaryDirectory folder;
  std::filesystem::create_symlink(folder.path() / "b.so", folder.path() / "a.so");
  std::filesystem::create_symlink(folder.path() / "a.so", folder.path() / "b.so");
  Registry registry;
  EXPECT_EQ(refusal_reason(registry, folder.path() / "a.so"), "cannot be resolved: its symbolic links form a loop");
}

// Discovery names what it refuses: a directory called *.so, and a search-path entry that is
// not there.
TEST(RegistryPolicy, DiscoveryReportsADirectoryNamedLikeALibraryAndAMissingFolder) {
  testing::TemporaryDirectory folder;
  std::filesystem::create_directories(folder.path() / "plugins" / "not_really.so");
  std::filesystem::permissions(folder.path() / "plugins", std::filesystem::perms(0755));
  Registry registry;
  registry.discover({folder.path() / "plugins", folder.path() / "nowhere"});
  ASSERT_EQ(registry.refusals().size(), 2u);
  EXPECT_EQ(registry.refusals()[0].file, folder.path() / "plugins" / "not_really.so");
  EXPECT_EQ(registry.refusals()[0].reason,
            "refused without opening it: it is a directory, and only regular files are loaded as plugins");
  EXPECT_EQ(registry.refusals()[1].file, folder.path() / "nowhere");
  EXPECT_EQ(registry.refusals()[1].reason, "no such folder, but on the plugin search path");
}

}  // namespace
}  // namespace spotlight
