#include "spotlight/framework/config/experiment.h"

#include <cmath>
#include <set>

#include <gtest/gtest.h>

#include "spotlight/framework/run/svg_plot.h"
#include "spotlight/sdk/errors.h"
#include "support/error_message.h"
#include "support/process.h"

namespace spotlight {
namespace {

using testing::error_message;

using nlohmann::json;

json minimal_experiment() {
  return json::parse(R"({
    "dataset": {"loader": "synthetic_random", "num_users": 10, "num_items": 20, "num_interactions": 100},
    "model": {"type": "implicit_factorization",
              "representation": {"plugin": "bilinear"},
              "loss": {"plugin": "bpr"}, "sampler": {"plugin": "uniform"}},
    "evaluation": [{"plugin": "mrr"}]
  })");
}

TEST(Experiment, FillsEveryHostDefault) {
  json resolved = validate_experiment(minimal_experiment());
  EXPECT_EQ(resolved.at("version"), 1);
  EXPECT_EQ(resolved.at("threads"), 0);
  EXPECT_EQ(resolved.at("split"), json::parse(R"({"type": "random", "test_fraction": 0.2, "seed": 42})"));
  EXPECT_EQ(resolved.at("dataset").at("num_clusters"), 0);
  EXPECT_EQ(resolved.at("dataset").at("seed"), 42);
  const auto& model = resolved.at("model");
  EXPECT_EQ(model.at("n_iter"), 10);
  EXPECT_EQ(model.at("batch_size"), 256);
  EXPECT_EQ(model.at("embedding_dim"), 32);
  EXPECT_EQ(model.at("device"), "cpu");
  // The optimizer is a plugin node: its defaults come from its plugin when the model is
  // assembled (component graph tests), not from the host's sections.
  EXPECT_FALSE(model.contains("optimizer"));
}

TEST(Experiment, PluginNodesPassThroughUnchecked) {
  json experiment = minimal_experiment();
  apply_override(experiment, "model.optimizer={\"type\": \"sgd\", \"momentum\": 0.9}");
  EXPECT_EQ(validate_experiment(experiment).at("model").at("optimizer"), experiment.at("model").at("optimizer"));
}

TEST(Experiment, HostSectionErrorsNameTheirPath) {
  auto with = [](const std::string& assignment) {
    json experiment = minimal_experiment();
    apply_override(experiment, assignment);
    return error_message<std::exception>([&] { validate_experiment(experiment); });
  };
  EXPECT_EQ(with("model.n_iterr=3"), "model.n_iterr: unknown key (did you mean \"n_iter\"?)");
  EXPECT_EQ(with("model.n_iter=\"3\""), "model.n_iter: expected a positive integer, got \"3\"");
  EXPECT_EQ(with("model.batch_size=-5"), "model.batch_size: expected a positive integer, got -5");
  EXPECT_EQ(with("model.type=matrix"),
            "model.type: expected one of \"implicit_factorization\", \"explicit_factorization\", \"implicit_sequence\", got \"matrix\"");
  EXPECT_EQ(with("split.test_fraction=1.5"), "split.test_fraction: expected a number from above 0 to 0.99, got 1.5");
  EXPECT_EQ(with("dataset.loader=movielenz"),
            "dataset.loader: expected one of \"movielens\", \"csv\", \"synthetic_sequential\", \"synthetic_random\", got \"movielenz\"");
  EXPECT_EQ(with("dataset.num_user=5"), "dataset.num_user: unknown key (did you mean \"num_users\"?)");
  EXPECT_EQ(with("evaluation={}"), "evaluation: expected a list of evaluator nodes, got {}");
  EXPECT_EQ(with("datasets=1"), "datasets: unknown key (did you mean \"dataset\"?)");
}

TEST(Experiment, MissingSectionsAreErrors) {
  json experiment = minimal_experiment();
  experiment.erase("dataset");
  EXPECT_EQ(error_message<std::exception>([&] { validate_experiment(experiment); }), "dataset: missing; expected an object with a \"loader\"");
  experiment = minimal_experiment();
  experiment["model"].erase("type");
  EXPECT_EQ(error_message<std::exception>([&] { validate_experiment(experiment); }),
            "model.type: missing; expected one of \"implicit_factorization\", \"explicit_factorization\", \"implicit_sequence\"");
}

TEST(Override, ParsesJsonValuesAndFallsBackToStrings) {
  json experiment = minimal_experiment();
  apply_override(experiment, "model.n_iter=3");
  apply_override(experiment, "model.optimizer.learning_rate=0.5");
  apply_override(experiment, "model.representation.plugin=bilinear");
  apply_override(experiment, "evaluation.0.exclude_train=false");
  apply_override(experiment, "model.components={\"items\": {\"plugin\": \"scaled_embedding\"}}");
  EXPECT_EQ(experiment.at("model").at("n_iter"), 3);
  EXPECT_EQ(experiment.at("model").at("optimizer").at("learning_rate"), 0.5);
  EXPECT_EQ(experiment.at("model").at("representation").at("plugin"), "bilinear");
  EXPECT_EQ(experiment.at("evaluation").at(0).at("exclude_train"), false);
  EXPECT_EQ(experiment.at("model").at("components").at("items").at("plugin"), "scaled_embedding");
}

TEST(Override, BadAssignmentsAreOneLineErrors) {
  json experiment = minimal_experiment();
  EXPECT_EQ(error_message<std::exception>([&] { apply_override(experiment, "model.n_iter"); }),
            "--set model.n_iter: expected path.to.key=value");
  EXPECT_EQ(error_message<std::exception>([&] { apply_override(experiment, "evaluation.x=1"); }),
            "--set evaluation.x=1: evaluation.x indexes a list; expected a number");
  EXPECT_EQ(error_message<std::exception>([&] { apply_override(experiment, "evaluation.4.k=1"); }),
            "--set evaluation.4.k=1: evaluation.4 is past the end of a list of 1");
  EXPECT_EQ(error_message<std::exception>([&] { apply_override(experiment, "model.type.x=1"); }),
            "--set model.type.x=1: model.type.x is inside a value that is not an object");
  EXPECT_EQ(error_message<std::exception>([&] { apply_override(experiment, "model..x=1"); }), "--set model..x=1: empty key in \"model..x\"");
}

TEST(ExperimentFile, SyntaxErrorsNameLineAndColumn) {
  testing::TemporaryDirectory folder;
  const auto file = folder.path() / "broken.json";
  testing::write_text(file, "{\n  \"model\": {\n    \"n_iter\": 3,\n  }\n}\n");
  const std::string message = error_message<std::exception>([&] { read_experiment_file(file); });
  EXPECT_EQ(message.rfind(file.string() + ":4:3: invalid JSON: syntax error", 0), 0u) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

// Found by fuzzing (set_override): a value that is not valid JSON is kept as a string, and a
// string that is not UTF-8 made every later message (which prints the value) throw.
TEST(Override, AssignmentsMustBeUtf8) {
  json experiment = minimal_experiment();
  EXPECT_EQ(error_message<Error>([&] { apply_override(experiment, "model.type=\xf9"); }),
            "--set: the assignment is not UTF-8 text");
  EXPECT_EQ(error_message<Error>([&] { apply_override(experiment, "model.\xc0\xaftype=1"); }),
            "--set: the assignment is not UTF-8 text");
  apply_override(experiment, "name=\"r\xc3\xa9sum\xc3\xa9\"");
  EXPECT_EQ(validate_experiment(experiment).at("name"), "r\xc3\xa9sum\xc3\xa9");
}

// Found by fuzzing (experiment_assembly): 1e400 escaped as a JSON library exception.
TEST(ExperimentFile, NumbersOutOfRangeAreOneLineErrors) {
  testing::TemporaryDirectory folder;
  const auto file = folder.path() / "huge.json";
  testing::write_text(file, "{\"split\": {\"test_fraction\": 1e400}}");
  EXPECT_EQ(error_message<Error>([&] { read_experiment_file(file); }),
            file.string() + ": invalid JSON: number overflow parsing '1e400'");
  json experiment = minimal_experiment();
  apply_override(experiment, "split.test_fraction=1e400");  // not JSON, so kept as text
  EXPECT_EQ(error_message<ConfigError>([&] { validate_experiment(experiment); }),
            "split.test_fraction: expected a number from above 0 to 0.99, got \"1e400\"");
}

// Found with a fuzzing seed: copying and printing nested values is recursive, and 100 000
// levels overflowed the stack.
TEST(ExperimentFile, DeepNestingIsRefusedBeforeItOverflowsTheStack) {
  testing::TemporaryDirectory folder;
  const auto file = folder.path() / "deep.json";
  const size_t levels = 100000;
  testing::write_text(file, "{\"name\": " + std::string(levels, '[') + std::string(levels, ']') + "}");
  EXPECT_EQ(error_message<Error>([&] { read_experiment_file(file); }),
            file.string() + ":1:109: invalid JSON: arrays and objects nested deeper than 100 levels");
  // Strings may hold brackets; 100 levels are fine.
  testing::write_text(file, "{\"name\": \"[[[\\\"[\", \"x\": " + std::string(99, '[') + std::string(99, ']') + "}");
  EXPECT_EQ(read_experiment_file(file).at("name"), "[[[\"[");
  json experiment = minimal_experiment();
  apply_override(experiment, "name=" + std::string(levels, '['));  // not JSON, so kept as text
  EXPECT_EQ(experiment.at("name").get<std::string>().size(), levels);
}

TEST(ExperimentFile, MissingFileIsAnError) {
  EXPECT_EQ(error_message<std::exception>([] { read_experiment_file("/nonexistent/experiment.json"); }),
            "/nonexistent/experiment.json: cannot open the experiment file");
}

}  // namespace
}  // namespace spotlight


namespace spotlight {
namespace {

TEST(SvgPlot, PointsAreScaledIntoTheFrameAndTextIsEscaped) {
  const std::string svg = line_plot({"loss <per> epoch", "epoch", "loss", {1, 2, 3}, {1.0, 0.5, 0.0}, 2});
  EXPECT_EQ(svg.rfind("<svg ", 0), 0u);
  // x from 1..3 maps onto 80..620, y from 0..1 onto 340..40.
  EXPECT_NE(svg.find("points=\"80,40 350,190 620,340 \""), std::string::npos) << svg;
  EXPECT_NE(svg.find("loss &lt;per&gt; epoch"), std::string::npos);
  EXPECT_NE(svg.find("r=\"6\" fill=\"crimson\""), std::string::npos);  // the highlighted point
  // A missing point (NaN) is skipped, and an empty plot is still a document.
  const std::string gaps = line_plot({"t", "x", "y", {1, 2}, {std::nan(""), 1.0}, -1});
  EXPECT_EQ(gaps.find("nan"), std::string::npos);
  EXPECT_NE(line_plot({"t", "x", "y", {}, {}, -1}).find("</svg>"), std::string::npos);
}

}  // namespace
}  // namespace spotlight
