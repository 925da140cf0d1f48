#include "spotlight/framework/config/component_graph.h"

#include <gtest/gtest.h>

#include "spotlight/sdk/embedding.h"
#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/optimizer.h"
#include "spotlight/sdk/representation.h"
#include "support/error_message.h"

namespace spotlight {
namespace {

using nlohmann::json;

class ComponentGraphTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    registry_ = new Registry();
    // The fixtures folder adds "chain_link", an embedding that refers to another embedding.
    registry_->discover({SPOTLIGHT_PLUGIN_DIR, SPOTLIGHT_FIXTURE_PLUGIN_DIR});
  }
  static void TearDownTestSuite() { delete registry_; }

  static ModelContext context() {
    ModelContext model;
    model.num_users = 5;
    model.num_items = 7;
    model.embedding_dim = 4;
    return model;
  }

  // The message of the ConfigError building `node` at model.representation throws.
  std::string error_building(const json& declared, const json& node,
                             ComponentKind kind = ComponentKind::representation) {
    ComponentGraph graph(*registry_, declared, "model.components", context());
    try {
      graph.build(node, "model.representation", kind);
    } catch (const ConfigError& error) {
      return error.what();
    }
    return "";
  }

  static Registry* registry_;
};

Registry* ComponentGraphTest::registry_ = nullptr;

TEST_F(ComponentGraphTest, SharedNodeIsBuiltOnceAndSharedByReference) {
  json declared{{"items", {{"plugin", "scaled_embedding"}, {"dim", 4}}}};
  ComponentGraph graph(*registry_, declared, "model.components", context());
  auto first = graph.build("@items", "model.a", ComponentKind::embedding);
  auto second = graph.build("@items", "model.b", ComponentKind::embedding);
  EXPECT_EQ(first.get(), second.get());
  auto representation = std::static_pointer_cast<Representation>(
      graph.build(json{{"plugin", "bilinear"}, {"item_embedding", "@items"}}, "model.representation",
                  ComponentKind::representation));
  // The representation's item table is the declared one: same parameter tensor.
  auto table = std::static_pointer_cast<EmbeddingLayer>(first);
  bool shares = false;
  for (const auto& parameter : representation->parameters()) shares |= parameter.is_same(table->all());
  EXPECT_TRUE(shares);
  EXPECT_EQ(graph.resolved("model.representation").at("item_embedding"), "@items");
  EXPECT_EQ(graph.resolved_declarations().at("items").at("of"), "items");
}

TEST_F(ComponentGraphTest, InlineNodesAreResolvedWithDefaults) {
  ComponentGraph graph(*registry_, json::object(), "model.components", context());
  graph.build(json{{"plugin", "bilinear"}, {"user_bias", {{"plugin", "zero_embedding"}, {"of", "users"}, {"dim", 1}}}},
              "model.representation", ComponentKind::representation);
  const auto& resolved = graph.resolved("model.representation");
  EXPECT_EQ(resolved.at("user_bias").at("plugin"), "zero_embedding");
  EXPECT_EQ(resolved.at("user_bias").at("sparse"), false);
  EXPECT_EQ(resolved.at("sparse"), false);
}

TEST_F(ComponentGraphTest, DanglingReferenceNamesWhatIsDeclared) {
  EXPECT_EQ(error_building({{"items", {{"plugin", "scaled_embedding"}}}},
                           {{"plugin", "bilinear"}, {"item_embedding", "@itemz"}}),
            "model.representation.item_embedding: \"@itemz\" refers to no component under model.components "
            "(declared: items)");
}

TEST_F(ComponentGraphTest, CyclesAreErrors) {
  json declared{{"a", {{"plugin", "chain_link"}, {"next", "@b"}}}, {"b", {{"plugin", "chain_link"}, {"next", "@a"}}}};
  EXPECT_EQ(error_building(declared, "@a", ComponentKind::embedding),
            "model.components.b.next: cycle in component references: @a -> @b -> @a");
  json self{{"a", {{"plugin", "chain_link"}, {"next", "@a"}}}};
  EXPECT_EQ(error_building(self, "@a", ComponentKind::embedding),
            "model.components.a.next: cycle in component references: @a -> @a");
}

TEST_F(ComponentGraphTest, WrongKindIsAnError) {
  EXPECT_EQ(error_building(json::object(), {{"plugin", "bpr"}}),
            "model.representation.plugin: \"bpr\" is a loss plugin, expected a representation");
  json declared{{"loss", {{"plugin", "bpr"}}}};
  EXPECT_EQ(error_building(declared, {{"plugin", "bilinear"}, {"item_embedding", "@loss"}}),
            "model.representation.item_embedding: \"@loss\" is a loss, expected an embedding");
}

TEST_F(ComponentGraphTest, UnknownPluginSuggestsAndListsTheKind) {
  EXPECT_EQ(error_building(json::object(), {{"plugin", "bilinearr"}}),
            "model.representation.plugin: unknown plugin \"bilinearr\" (did you mean \"bilinear\"?); available "
            "representations: bilinear, cnn, gru4rec, lstm, mixture, pooling, sasrec, simple_cf; some libraries were refused (see `spotlight plugins`)");
  EXPECT_EQ(error_building(json::object(), {{"dim", 3}}),
            "model.representation.plugin: missing; expected the name of a representation plugin (available: bilinear, "
            "cnn, gru4rec, lstm, mixture, pooling, sasrec, simple_cf)");
  EXPECT_EQ(error_building(json::object(), "bilinear"),
            "model.representation: expected a representation: \"@name\" or an object with a \"plugin\", got "
            "\"bilinear\"");
}

TEST_F(ComponentGraphTest, PluginParametersAreValidated) {
  EXPECT_EQ(error_building(json::object(), {{"plugin", "bilinear"}, {"embedding_dim", 0}}),
            "model.representation.embedding_dim: expected an integer from 1 to 65536, got 0");
  EXPECT_EQ(error_building(json::object(), {{"plugin", "bilinear"}, {"embeding_dim", 8}}),
            "model.representation.embeding_dim: unknown key (did you mean \"embedding_dim\"?)");
}

// Found by fuzzing (experiment_assembly): a width of 10^12 went through to LibTorch, which
// failed to allocate 1.2 TB. Every size is bounded in its schema and refused by name.
TEST_F(ComponentGraphTest, SizesAreRefusedBeforeAnythingIsAllocated) {
  EXPECT_EQ(error_building(json::object(), {{"plugin", "bilinear"}, {"embedding_dim", 1000000000000}}),
            "model.representation.embedding_dim: expected an integer from 1 to 65536, got 1000000000000");
  EXPECT_EQ(error_building(json::object(), {{"plugin", "simple_cf"}, {"factors", 65537}}),
            "model.representation.factors: expected an integer from 1 to 65536, got 65537");
  EXPECT_EQ(error_building(json::object(), {{"plugin", "pooling"}, {"embedding_dim", 18446744073709551615ull}}),
            "model.representation.embedding_dim: expected an integer from 1 to 65536, got 18446744073709551615");
  EXPECT_EQ(error_building(json::object(), {{"plugin", "cnn"}, {"num_layers", 100000}}),
            "model.representation.num_layers: expected an integer from 1 to 1024, got 100000");
  EXPECT_EQ(error_building(json::object(), {{"plugin", "cnn"}, {"num_layers", 2}, {"kernel_width", {3, 4096}}}),
            "model.representation.kernel_width: expected an integer from 1 to 1024 or a non-empty list of them, got "
            "[3,4096]");
  EXPECT_EQ(error_building(json::object(), {{"plugin", "mixture"}, {"num_mixtures", 5000}}),
            "model.representation.num_mixtures: expected an integer from 1 to 1024, got 5000");
  for (const char* table : {"scaled_embedding", "zero_embedding", "bloom_embedding"}) {
    EXPECT_EQ(error_building(json::object(), {{"plugin", table}, {"dim", 1 << 20}}, ComponentKind::embedding),
              "model.representation.dim: expected an integer from 1 to 65536, got 1048576")
        << table;
  }
  // The largest width is built.
  ComponentGraph graph(*registry_, json::object(), "model.components", context());
  EXPECT_NE(graph.build({{"plugin", "zero_embedding"}, {"dim", 65536}}, "model.a", ComponentKind::embedding), nullptr);
}

TEST_F(ComponentGraphTest, PluginsCheckSharedTablesFit) {
  json declared{{"small", {{"plugin", "scaled_embedding"}, {"dim", 3}}}};
  EXPECT_EQ(error_building(declared, {{"plugin", "bilinear"}, {"embedding_dim", 4}, {"item_embedding", "@small"}}),
            "model.representation.item_embedding: has width 3 but 4 is needed");
  // A table with more rows than items would make score_all score items that do not exist.
  json users_as_items{{"users", {{"plugin", "scaled_embedding"}, {"of", "users"}, {"dim", 4}}}};
  EXPECT_EQ(error_building(users_as_items, {{"plugin", "bilinear"}, {"item_embedding", "@users"}}),
            "model.representation.item_embedding: has 5 rows but the data has 7 items");
}

TEST_F(ComponentGraphTest, AnUnknownDeclaredPluginIsSuggestedFromEveryKind) {
  json declared{{"items", {{"plugin", "scaled_embeding"}}}};
  ComponentGraph graph(*registry_, declared, "model.components", context());
  try {
    graph.build_all_declared();
    FAIL();
  } catch (const ConfigError& error) {
    const std::string message = error.what();
    EXPECT_EQ(message.rfind("model.components.items.plugin: unknown plugin \"scaled_embeding\" (did you mean "
                            "\"scaled_embedding\"?); available: ",
                            0),
              0u)
        << message;
  }
}

TEST_F(ComponentGraphTest, EveryDeclaredNodeIsChecked) {
  json declared{{"unused", {{"plugin", "scaled_embedding"}, {"dim", -1}}}};
  ComponentGraph graph(*registry_, declared, "model.components", context());
  try {
    graph.build_all_declared();
    FAIL();
  } catch (const ConfigError& error) {
    EXPECT_STREQ(error.what(), "model.components.unused.dim: expected an integer from 1 to 65536, got -1");
  }
}

// model.optimizer names its plugin by "type", "adam" when it names none, as before optimizers
// were plugins; the resolved node keeps "type" and every default of the plugin's schema.
TEST_F(ComponentGraphTest, AnOptimizerNodeNamesItsPluginByType) {
  ComponentGraph graph(*registry_, json::object(), "model.components", context());
  auto adam = graph.build_named_by(json::object(), "model.optimizer", ComponentKind::optimizer, "type", "adam");
  ASSERT_EQ(adam->kind(), ComponentKind::optimizer);
  EXPECT_FALSE(std::static_pointer_cast<Optimizer>(adam)->takes_sparse_gradients());
  EXPECT_EQ(graph.resolved("model.optimizer"), json::parse(R"({"type": "adam", "learning_rate": 0.01, "l2": 0.0,
                                                               "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
                                                               "amsgrad": false})"));
  ComponentGraph other(*registry_, json::object(), "model.components", context());
  auto sgd = other.build_named_by({{"type", "sgd"}, {"momentum", 0.9}}, "model.optimizer", ComponentKind::optimizer,
                                  "type", "adam");
  EXPECT_TRUE(std::static_pointer_cast<Optimizer>(sgd)->takes_sparse_gradients());
  EXPECT_EQ(other.resolved("model.optimizer"), json::parse(R"({"type": "sgd", "learning_rate": 0.01, "l2": 0.0,
                                                               "momentum": 0.9, "dampening": 0.0,
                                                               "nesterov": false})"));
  ASSERT_EQ(other.plugins_used().size(), 1u);
  EXPECT_EQ(other.plugins_used()[0]->name, "sgd");
}

TEST_F(ComponentGraphTest, AnOptimizerNodeIsCheckedAgainstItsPluginsSchema) {
  auto error = [&](const json& node) {
    ComponentGraph graph(*registry_, json::object(), "model.components", context());
    return testing::error_message<ConfigError>(
        [&] { graph.build_named_by(node, "model.optimizer", ComponentKind::optimizer, "type", "adam"); });
  };
  EXPECT_EQ(error({{"momentum", 0.9}}),
            "model.optimizer.momentum: unknown key (expected one of: learning_rate l2 beta1 beta2 eps amsgrad)");
  EXPECT_EQ(error({{"type", "adagrad"}, {"eps", 0}}), "model.optimizer.eps: expected a positive number, got 0");
  EXPECT_EQ(error({{"learning_rate", 0}}), "model.optimizer.learning_rate: expected a positive number, got 0");
  EXPECT_EQ(error({{"type", "bpr"}}), "model.optimizer.type: \"bpr\" is a loss plugin, expected an optimizer");
  EXPECT_EQ(error({{"type", 3}}),
            "model.optimizer.type: expected the name of an optimizer plugin (available: adagrad, adam, sgd, "
            "sparse_adam), got 3");
  EXPECT_EQ(error("adam"), "model.optimizer: expected an object, got \"adam\"");
  // The fixtures folder holds refused libraries, which the message points at.
  EXPECT_EQ(error({{"type", "adamw"}}),
            "model.optimizer.type: unknown plugin \"adamw\" (did you mean \"adam\"?); available optimizers: adagrad, "
            "adam, sgd, sparse_adam; some libraries were refused (see `spotlight plugins`)");
}

}  // namespace
}  // namespace spotlight
