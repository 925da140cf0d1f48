// Typed access with defaults (ComponentArgs::*_or) and schemas composed by functions.
#include "spotlight/sdk/component_args.h"

#include <gtest/gtest.h>

#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/parameters.h"
#include "support/error_message.h"

namespace spotlight {
namespace {

using nlohmann::json;
using testing::error_message;

// Values as validate_parameters leaves them: an absent optional parameter is null.
ComponentArgs args_with(json values) {
  return ComponentArgs("model.representation", std::move(values), {}, ModelContext{});
}

TEST(ComponentArgs, OrGettersReadAGivenValue) {
  auto args = args_with({{"dim", 8}, {"rate", 0.5}, {"residual", false}, {"init", "uniform"}});
  EXPECT_EQ(args.integer_or("dim", 32), 8);
  EXPECT_EQ(args.number_or("rate", 0.1), 0.5);
  EXPECT_FALSE(args.boolean_or("residual", true));
  EXPECT_EQ(args.text_or("init", "normal"), "uniform");
}

TEST(ComponentArgs, OrGettersFallBackWhenAbsent) {
  auto args = args_with({{"dim", nullptr}, {"rate", nullptr}, {"residual", nullptr}, {"init", nullptr}});
  EXPECT_EQ(args.integer_or("dim", 32), 32);
  EXPECT_EQ(args.number_or("rate", 0.1), 0.1);
  EXPECT_TRUE(args.boolean_or("residual", true));
  EXPECT_EQ(args.text_or("init", "normal"), "normal");
}

TEST(ComponentArgs, OrGettersDoNotHideAnUndeclaredParameter) {
  // A typo in the plugin's code must not silently read as "absent, use the default".
  auto args = args_with(json::object());
  EXPECT_EQ(error_message<Error>([&] { args.integer_or("embeding_dim", 32); }),
            "model.representation: the plugin reads parameter \"embeding_dim\" but does not declare it");
  EXPECT_EQ(error_message<Error>([&] { args.boolean_or("residual", true); }),
            "model.representation: the plugin reads parameter \"residual\" but does not declare it");
}

ParameterList shared_part() {
  return {Parameter::integer("embedding_dim", std::nullopt, "Width").optional(),
          Parameter::boolean("sparse", false, "Sparse gradients")};
}

TEST(Schema, ConcatenatesPartsInOrder) {
  auto all = schema({Parameter::integer("num_layers", 1, "Layers")}, shared_part(),
                    {Parameter::text("nonlinearity", "tanh", "Activation")});
  std::vector<std::string> names;
  for (const auto& parameter : all) names.push_back(parameter.name());
  EXPECT_EQ(names, (std::vector<std::string>{"num_layers", "embedding_dim", "sparse", "nonlinearity"}));
  EXPECT_TRUE(schema().empty());
  EXPECT_EQ(schema(shared_part()).size(), 2u);
}

TEST(Schema, ANameDeclaredTwiceIsAPluginBug) {
  EXPECT_EQ(error_message<Error>([] { schema(shared_part(), {Parameter::boolean("sparse", true, "Again")}); }),
            "the schema declares parameter \"sparse\" twice");
}

}  // namespace
}  // namespace spotlight
