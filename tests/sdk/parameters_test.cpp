#include "spotlight/sdk/parameters.h"

#include <gtest/gtest.h>

#include "spotlight/sdk/component_args.h"
#include "spotlight/sdk/errors.h"
#include "support/error_message.h"

namespace spotlight {
namespace {

using testing::error_message;

using nlohmann::json;

ParameterList cnn_like_schema() {
  return {Parameter::integer("num_layers", 1, "Stacked layers").at_least(1),
          Parameter::number("dropout", 0.0, "Dropout").at_least(0).at_most(1),
          Parameter::text("nonlinearity", "tanh", "Activation").one_of({"tanh", "relu"}),
          Parameter::integers("dilation", 1, "Dilation per layer").at_least(1),
          Parameter::boolean("residual", true, "Residual connections"),
          Parameter::component("item_embedding", ComponentKind::embedding, "Item table").optional(),
          Parameter::number("learning_rate", 0.01, "Step size").greater_than(0),
          Parameter::integer("size", std::nullopt, "A required size").at_least(0)};
}

TEST(Parameters, FillsDefaultsAndKeepsGivenValues) {
  json node{{"plugin", "cnn"}, {"num_layers", 3}, {"dilation", {1, 2, 4}}, {"size", 0}};
  json resolved = validate_parameters(node, cnn_like_schema(), "model.representation", {"plugin"});
  EXPECT_EQ(resolved.at("plugin"), "cnn");
  EXPECT_EQ(resolved.at("num_layers"), 3);
  EXPECT_EQ(resolved.at("dropout"), 0.0);
  EXPECT_EQ(resolved.at("nonlinearity"), "tanh");
  EXPECT_EQ(resolved.at("dilation"), json({1, 2, 4}));
  EXPECT_EQ(resolved.at("residual"), true);
  EXPECT_TRUE(resolved.at("item_embedding").is_null());
}

TEST(Parameters, WrongTypesNameThePathAndTheExpectation) {
  auto schema = cnn_like_schema();
  auto check = [&](json node) {
    node["size"] = node.value("size", json(1));
    return error_message<ConfigError>([&] { validate_parameters(node, schema, "model.representation"); });
  };
  EXPECT_EQ(check({{"num_layers", "3"}}), "model.representation.num_layers: expected a positive integer, got \"3\"");
  EXPECT_EQ(check({{"num_layers", 0}}), "model.representation.num_layers: expected a positive integer, got 0");
  EXPECT_EQ(check({{"num_layers", 2.5}}), "model.representation.num_layers: expected a positive integer, got 2.5");
  EXPECT_EQ(check({{"dropout", 1.5}}), "model.representation.dropout: expected a number from 0 to 1, got 1.5");
  EXPECT_EQ(check({{"nonlinearity", "sigmoid"}}),
            "model.representation.nonlinearity: expected one of \"tanh\", \"relu\", got \"sigmoid\"");
  EXPECT_EQ(check({{"dilation", json::array()}}),
            "model.representation.dilation: expected a positive integer or a non-empty list of them, got []");
  EXPECT_EQ(check({{"dilation", {1, 0}}}),
            "model.representation.dilation: expected a positive integer or a non-empty list of them, got [1,0]");
  EXPECT_EQ(check({{"residual", 1}}), "model.representation.residual: expected true or false, got 1");
  EXPECT_EQ(check({{"item_embedding", "items"}}),
            "model.representation.item_embedding: expected an embedding: \"@name\" or {\"plugin\": ...}, got \"items\"");
  EXPECT_EQ(check({{"learning_rate", 0}}), "model.representation.learning_rate: expected a positive number, got 0");
  EXPECT_EQ(check({{"size", -1}}), "model.representation.size: expected a non-negative integer, got -1");
}

// Found by fuzzing (experiment_assembly): 18446744073709551615 passed "at least 1" and a
// plugin read it as -1.
TEST(Parameters, IntegersFromTwoToTheSixtyThreeUpAreRefused) {
  auto schema = cnn_like_schema();
  auto check = [&](json node) {
    node["size"] = node.value("size", json(1));
    return error_message<ConfigError>([&] { validate_parameters(node, schema, "m"); });
  };
  EXPECT_EQ(check({{"size", 18446744073709551615ull}}),
            "m.size: expected a non-negative integer up to 9223372036854775807, got 18446744073709551615");
  EXPECT_EQ(check({{"dilation", {1, 9223372036854775808ull}}}),
            "m.dilation: expected a positive integer or a non-empty list of them, got [1,9223372036854775808]");
  EXPECT_EQ(validate_parameters({{"size", 9223372036854775807ull}}, schema, "m").at("size").get<int64_t>(),
            9223372036854775807);
}

TEST(Parameters, MissingRequiredParameterIsAnError) {
  EXPECT_EQ(error_message<ConfigError>([] { validate_parameters(json::object(), cnn_like_schema(), "x"); }),
            "x.size: missing; expected a non-negative integer");
}

TEST(Parameters, UnknownKeySuggestsTheClosestName) {
  EXPECT_EQ(error_message<ConfigError>([] { validate_parameters({{"num_layer", 2}, {"size", 1}}, cnn_like_schema(), "m"); }),
            "m.num_layer: unknown key (did you mean \"num_layers\"?)");
  EXPECT_EQ(error_message<ConfigError>([] { validate_parameters({{"zzzzzz", 2}}, cnn_like_schema(), "m"); }),
            "m.zzzzzz: unknown key (expected one of: num_layers dropout nonlinearity dilation residual "
            "item_embedding learning_rate size)");
  EXPECT_EQ(error_message<ConfigError>([] { validate_parameters({{"anything", 2}}, ParameterList{}, "model.loss"); }),
            "model.loss.anything: unknown key (this takes no parameters)");
}

TEST(Parameters, ANodeMustBeAnObject) {
  EXPECT_EQ(error_message<ConfigError>([] { validate_parameters(json::array(), ParameterList{}, "model.loss"); }),
            "model.loss: expected an object, got []");
}

TEST(Parameters, ClosestNameIgnoresFarCandidates) {
  EXPECT_EQ(closest_name("learning_rat", {"learning_rate", "l2"}), "learning_rate");
  EXPECT_EQ(closest_name("lr", {"learning_rate", "momentum"}), "");
}

TEST(ComponentArgs, ExpandsIntegersToOnePerLayer) {
  ComponentArgs args("model.representation", {{"dilation", 2}, {"kernel", {3, 5}}}, {}, ModelContext{});
  EXPECT_EQ(args.integers("dilation", 3), (std::vector<int64_t>{2, 2, 2}));
  EXPECT_EQ(args.integers("kernel", 2), (std::vector<int64_t>{3, 5}));
  EXPECT_EQ(error_message<ConfigError>([&] { args.integers("kernel", 3); }),
            "model.representation.kernel: expected one value or a list of 3, got a list of 2");
}

TEST(ComponentArgs, ReadingAnUndeclaredParameterIsAPluginBug) {
  ComponentArgs args("model.loss", json::object(), {}, ModelContext{});
  try {
    args.integer("margin");
    FAIL();
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "model.loss: the plugin reads parameter \"margin\" but does not declare it");
  }
}

TEST(Parameters, DescribeListsTypeDefaultAndAcceptedValues) {
  auto description = Parameter::integer("num_layers", 1, "Stacked layers").at_least(1).describe();
  EXPECT_EQ(description.at("type"), "integer");
  EXPECT_EQ(description.at("default"), 1);
  EXPECT_EQ(description.at("accepts"), "a positive integer");
  EXPECT_EQ(description.at("doc"), "Stacked layers");
  EXPECT_EQ(description.at("required"), false);
}

}  // namespace
}  // namespace spotlight
