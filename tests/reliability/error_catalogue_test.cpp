// The error catalogue: bad inputs a user can give (experiment files, data files, plugin
// libraries, checkpoints, command lines), each run through the real `spotlight` binary.
// Every case must end with the expected exit code and one-line message, never a crash,
// and must leave no output behind.
#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/process.h"

namespace spotlight {
namespace {

using nlohmann::json;
using testing::shell_quote;

const std::string kCli = SPOTLIGHT_CLI;
const std::string kFixtures = SPOTLIGHT_FIXTURE_PLUGIN_DIR;

// A small, fast experiment every experiment case starts from.
json base_experiment() {
  return json::parse(R"({
    "dataset": {"loader": "synthetic_random", "num_users": 50, "num_items": 40, "num_interactions": 800, "seed": 1},
    "split": {"type": "random", "test_fraction": 0.2, "seed": 1},
    "model": {"type": "implicit_factorization", "representation": {"plugin": "bilinear"},
              "loss": {"plugin": "bpr"}, "sampler": {"plugin": "uniform"}, "n_iter": 1},
    "evaluation": [{"plugin": "mrr"}],
    "threads": 1
  })");
}

// A csv experiment over {dir}/data.csv with a header user,item,rating,time.
json csv_experiment(const std::string& type = "implicit_factorization") {
  json experiment = base_experiment();
  experiment["dataset"] = {{"loader", "csv"},         {"path", "{dir}/data.csv"},    {"user_column", "user"},
                           {"item_column", "item"},   {"rating_column", "rating"}, {"timestamp_column", "time"},
                           {"ids", "raw"}};
  experiment["model"]["type"] = type;
  if (type == "implicit_sequence") {
    experiment["model"]["representation"] = {{"plugin", "pooling"}};
    experiment["evaluation"] = json::array({{{"plugin", "sequence_mrr"}}});
  }
  return experiment;
}

std::string good_csv() {
  std::string csv = "user,item,rating,time\n";
  for (int row = 0; row < 60; ++row) {
    csv += std::to_string(row % 6) + "," + std::to_string(1 + row % 9) + ",4," + std::to_string(row) + "\n";
  }
  return csv;
}

struct Case {
  std::string name;
  std::map<std::string, std::string> files;  // relative path -> contents; "{dir}" is replaced
  std::string arguments;                     // after `spotlight`; "{dir}" is replaced
  int exit_code;
  std::string message;  // the last line of standard error, without "spotlight: error: "; "{dir}" is replaced
};

// Test names show the case's name, not its bytes.
void PrintTo(const Case& c, std::ostream* out) { *out << c.name; }

std::string replace_dir(std::string text, const std::string& dir) {
  for (size_t at = text.find("{dir}"); at != std::string::npos; at = text.find("{dir}", at + dir.size())) {
    text.replace(at, 5, dir);
  }
  return text;
}

// An experiment case: `edit` changes the base experiment, which is run into {dir}/out.
Case experiment_case(std::string name, const std::function<void(json&)>& edit, std::string message,
                     std::map<std::string, std::string> files = {}) {
  json experiment = base_experiment();
  edit(experiment);
  files["exp.json"] = experiment.dump();
  // "@": a message that does not name the experiment file (not about its text).
  return {std::move(name), std::move(files), "run {dir}/exp.json --output {dir}/out", 1,
          message[0] == '@' ? message.substr(1) : "{dir}/exp.json: " + message};
}

Case raw_experiment_case(std::string name, std::string text, std::string message) {
  return {std::move(name), {{"exp.json", std::move(text)}}, "run {dir}/exp.json --output {dir}/out", 1,
          std::move(message)};
}

// A data case: a csv experiment of `type` over `csv`.
Case data_case(std::string name, std::string csv, std::string message,
               std::string type = "implicit_factorization", const std::function<void(json&)>& edit = nullptr) {
  json experiment = csv_experiment(type);
  if (edit) edit(experiment);
  return {std::move(name), {{"exp.json", experiment.dump()}, {"data.csv", std::move(csv)}},
          "run {dir}/exp.json --output {dir}/out", 1, std::move(message)};
}

// A plugin case: one fixture library copied into {dir}/plugins, then an experiment using `loss`.
Case plugin_case(std::string name, const std::string& fixture, const std::string& loss, std::string message) {
  json experiment = base_experiment();
  experiment["model"]["loss"] = {{"plugin", loss}};
  return {std::move(name), {{"exp.json", experiment.dump()}, {"plugins/" + fixture, "@copy " + kFixtures + "/" + fixture}},
          "--plugin-path {dir}/plugins run {dir}/exp.json --output {dir}/out", 1,
          // "@": a message that does not name the experiment file (not about its contents).
          message[0] == '@' ? message.substr(1) : "{dir}/exp.json: " + message};
}

std::vector<Case> catalogue() {
  std::vector<Case> cases;
  // Experiment files.
  cases.push_back(raw_experiment_case("json_syntax_error", "{\"dataset\": ",
                                      "{dir}/exp.json:1:13: invalid JSON: syntax error while parsing value - "
                                      "unexpected end of input; expected '[', '{', or a literal"));
  cases.push_back(raw_experiment_case("json_not_an_object", "[1, 2]", "{dir}/exp.json: an experiment must be a JSON object"));
  cases.push_back(raw_experiment_case("empty_file", "", "{dir}/exp.json:1:1: invalid JSON: syntax error while parsing "
                                                        "value - unexpected end of input; expected '[', '{', or a literal"));
  cases.push_back(experiment_case("unknown_top_level_key", [](json& e) { e["datasett"] = e["dataset"]; },
                                  "datasett: unknown key (did you mean \"dataset\"?)"));
  cases.push_back(experiment_case("name_is_a_path", [](json& e) { e["name"] = "../elsewhere"; },
                                  "name: expected a plain name for the run's folder (no \"/\", not \".\" or \"..\", no "
                                  "control characters), got \"../elsewhere\""));
  cases.push_back(experiment_case("name_with_a_control_character", [](json& e) { e["name"] = "run\nnext"; },
                                  "name: expected a plain name for the run's folder (no \"/\", not \".\" or \"..\", no "
                                  "control characters), got \"run\\nnext\""));
  cases.push_back(experiment_case("unknown_model_key", [](json& e) { e["model"]["n_iterr"] = 3; },
                                  "model.n_iterr: unknown key (did you mean \"n_iter\"?)"));
  cases.push_back(experiment_case("missing_model", [](json& e) { e.erase("model"); },
                                  "model: missing; expected an object with a \"type\""));
  cases.push_back(experiment_case("missing_dataset", [](json& e) { e.erase("dataset"); },
                                  "dataset: missing; expected an object with a \"loader\""));
  cases.push_back(experiment_case("unknown_model_type", [](json& e) { e["model"]["type"] = "matrix"; },
                                  "model.type: expected one of \"implicit_factorization\", \"explicit_factorization\", "
                                  "\"implicit_sequence\", got \"matrix\""));
  cases.push_back(experiment_case("zero_epochs", [](json& e) { e["model"]["n_iter"] = 0; },
                                  "model.n_iter: expected a positive integer, got 0"));
  cases.push_back(experiment_case("negative_batch_size", [](json& e) { e["model"]["batch_size"] = -5; },
                                  "model.batch_size: expected a positive integer, got -5"));
  cases.push_back(experiment_case("string_for_integer", [](json& e) { e["model"]["embedding_dim"] = "32"; },
                                  "model.embedding_dim: expected an integer from 1 to 65536, got \"32\""));
  cases.push_back(experiment_case("huge_number", [](json& e) { e["model"]["n_iter"] = 1e300; },
                                  "model.n_iter: expected a positive integer, got 1e+300"));
  cases.push_back(experiment_case("fraction_above_one", [](json& e) { e["split"]["test_fraction"] = 1.5; },
                                  "split.test_fraction: expected a number from above 0 to 0.99, got 1.5"));
  cases.push_back(experiment_case("evaluation_not_a_list", [](json& e) { e["evaluation"] = json::object(); },
                                  "evaluation: expected a list of evaluator nodes, got {}"));
  cases.push_back(experiment_case("empty_kernel_list",
                                  [](json& e) {
                                    e["model"]["type"] = "implicit_sequence";
                                    e["model"]["representation"] = {{"plugin", "cnn"}, {"kernel_width", json::array()}};
                                  },
                                  "model.representation.kernel_width: expected an integer from 1 to 1024 or a "
                                  "non-empty list of them, got []"));
  cases.push_back(experiment_case("dangling_reference",
                                  [](json& e) { e["model"]["representation"]["item_embedding"] = "@items"; },
                                  "model.representation.item_embedding: \"@items\" refers to no component under "
                                  "model.components (declared: none)"));
  cases.push_back(experiment_case("wrong_plugin_kind", [](json& e) { e["model"]["loss"] = {{"plugin", "bilinear"}}; },
                                  "model.loss.plugin: \"bilinear\" is a representation plugin, expected a loss"));
  cases.push_back(experiment_case("unknown_plugin", [](json& e) { e["model"]["loss"] = {{"plugin", "bprr"}}; },
                                  "model.loss.plugin: unknown plugin \"bprr\" (did you mean \"bpr\"?); available "
                                  "losses: adaptive_hinge, bpr, bpr_max, hinge, logistic, pointwise, poisson, regression, sampled_softmax, softmax"));
  cases.push_back(experiment_case("unknown_plugin_parameter",
                                  [](json& e) { e["model"]["sampler"]["num_negatives"] = 3; },
                                  "model.sampler.num_negatives: unknown key (expected one of: num_negative_samples exclude_positive)"));
  cases.push_back(experiment_case("unknown_optimizer", [](json& e) { e["model"]["optimizer"] = {{"type", "rmsprop"}}; },
                                  "model.optimizer.type: unknown plugin \"rmsprop\"; available optimizers: adagrad, "
                                  "adam, sgd, sparse_adam"));
  cases.push_back(experiment_case("misspelt_optimizer", [](json& e) { e["model"]["optimizer"] = {{"type", "adamm"}}; },
                                  "model.optimizer.type: unknown plugin \"adamm\" (did you mean \"adam\"?); available "
                                  "optimizers: adagrad, adam, sgd, sparse_adam"));
  cases.push_back(experiment_case("optimizer_of_another_kind",
                                  [](json& e) { e["model"]["optimizer"] = {{"type", "bpr"}}; },
                                  "model.optimizer.type: \"bpr\" is a loss plugin, expected an optimizer"));
  cases.push_back(experiment_case("parameter_of_another_optimizer",
                                  [](json& e) { e["model"]["optimizer"] = {{"momentum", 0.9}}; },
                                  "model.optimizer.momentum: unknown key (expected one of: learning_rate l2 beta1 "
                                  "beta2 eps amsgrad)"));
  cases.push_back(experiment_case("sparse_gradients_with_adam",
                                  [](json& e) { e["model"]["representation"]["sparse"] = true; },
                                  "model.optimizer.type: \"adam\" cannot apply the sparse gradients of a component "
                                  "with \"sparse\": true; use an optimizer plugin that takes them (see `spotlight "
                                  "plugins`), or dense gradients"));
  cases.push_back(experiment_case("zero_learning_rate",
                                  [](json& e) { e["model"]["optimizer"] = {{"learning_rate", 0}}; },
                                  "model.optimizer.learning_rate: expected a positive number, got 0"));
  cases.push_back(experiment_case("sequence_section_for_factorization",
                                  [](json& e) { e["sequence"] = {{"max_length", 5}}; },
                                  "sequence: only sequence models read it; model.type \"implicit_factorization\" "
                                  "trains on interactions (remove it, or use implicit_sequence)"));
  cases.push_back(experiment_case("sequence_min_above_max",
                                  [](json& e) {
                                    e["model"]["type"] = "implicit_sequence";
                                    e["model"]["representation"] = {{"plugin", "pooling"}};
                                    e["sequence"] = {{"max_length", 5}, {"min_length", 6}};
                                  },
                                  "sequence.min_length: must not exceed sequence.max_length (5)"));
  cases.push_back(experiment_case("unknown_device", [](json& e) { e["model"]["device"] = "tpu"; },
                                  "model.device: expected one of \"cpu\", \"cuda\", got \"tpu\""));
  cases.push_back(experiment_case("negative_threads", [](json& e) { e["threads"] = -1; },
                                  "threads: expected an integer from 0 to 1024, got -1"));
  cases.push_back(experiment_case("schema_version_2", [](json& e) { e["version"] = 2; },
                                  "version: expected an integer from 1 to 1, got 2"));
  cases.push_back(experiment_case("unknown_loader", [](json& e) { e["dataset"] = {{"loader", "netflix"}}; },
                                  "dataset.loader: expected one of \"movielens\", \"csv\", \"synthetic_sequential\", "
                                  "\"synthetic_random\", got \"netflix\""));
  cases.push_back(experiment_case("sequence_model_with_factorization_representation",
                                  [](json& e) { e["model"]["type"] = "implicit_sequence"; },
                                  "model.representation: this representation encodes users from user ids, but "
                                  "implicit_sequence needs one that encodes them from item histories"));
  cases.push_back(experiment_case("explicit_model_with_implicit_loss",
                                  [](json& e) {
                                    e["model"]["type"] = "explicit_factorization";
                                    e["model"].erase("sampler");
                                  },
                                  "model.loss: this loss is for implicit feedback, but explicit_factorization trains "
                                  "on explicit feedback"));
  // Found by fuzzing (fuzz/regressions/experiment_assembly): each was an exception from the
  // JSON library, a stack overflow, or a plugin asking LibTorch for terabytes.
  cases.push_back(raw_experiment_case("number_out_of_range", "{\"split\": {\"test_fraction\": 1e400}}",
                                      "{dir}/exp.json: invalid JSON: number overflow parsing '1e400'"));
  cases.push_back(raw_experiment_case("nested_too_deep", "{\"name\": " + std::string(50000, '[') + "}",
                                      "{dir}/exp.json:1:109: invalid JSON: arrays and objects nested deeper than 100 "
                                      "levels"));
  cases.push_back(experiment_case("absurd_embedding_dim", [](json& e) { e["model"]["embedding_dim"] = 1000000000000; },
                                  "model.embedding_dim: expected an integer from 1 to 65536, got 1000000000000"));
  cases.push_back(experiment_case("integer_beyond_int64",
                                  [](json& e) { e["model"]["batch_size"] = 18446744073709551615ull; },
                                  "model.batch_size: expected a positive integer up to 9223372036854775807, got "
                                  "18446744073709551615"));
  cases.push_back(experiment_case("absurd_layer_count",
                                  [](json& e) {
                                    e["model"]["type"] = "implicit_sequence";
                                    e["model"]["representation"] = {{"plugin", "cnn"}, {"num_layers", 1000000}};
                                  },
                                  "model.representation.num_layers: expected an integer from 1 to 1024, got 1000000"));
  // Data files.
  cases.push_back(data_case("missing_data_file", "", "{dir}/missing.csv: cannot open the data file",
                            "implicit_factorization", [](json& e) { e["dataset"]["path"] = "{dir}/missing.csv"; }));
  // Files that are not regular files are refused before they are read (a FIFO would block,
  // /dev/zero would stream forever).
  cases.push_back(data_case("data_file_is_dev_zero", "", "/dev/zero: not a regular file (the data file)",
                            "implicit_factorization", [](json& e) { e["dataset"]["path"] = "/dev/zero"; }));
  cases.push_back(data_case("data_file_is_a_directory", "", "{dir}: not a regular file (the data file)",
                            "implicit_factorization", [](json& e) { e["dataset"]["path"] = "{dir}"; }));
  cases.push_back({"experiment_is_dev_urandom", {}, "run /dev/urandom --output {dir}/out", 1,
                   "/dev/urandom: not a regular file (the experiment file)"});
  cases.push_back({"experiment_is_a_directory", {}, "run {dir} --output {dir}/out", 1,
                   "{dir}: not a regular file (the experiment file)"});
  cases.push_back(data_case("empty_data_file", "", "{dir}/data.csv: the file is empty; expected a header line"));
  cases.push_back(data_case("missing_column", "user,rating,time\n1,4,1\n",
                            "{dir}/data.csv:1: no column named \"item\" (columns: user, rating, time)"));
  cases.push_back(data_case("non_numeric_raw_id", "user,item,rating,time\n1,abc,4,1\n",
                            "{dir}/data.csv:2: item \"abc\" is not a number"));
  cases.push_back(data_case("nan_rating", "user,item,rating,time\n1,2,nan,1\n",
                            "{dir}/data.csv:2: rating is not a finite number"));
  cases.push_back(data_case("inf_rating", "user,item,rating,time\n1,2,inf,1\n",
                            "{dir}/data.csv:2: rating is not a finite number"));
  cases.push_back(data_case("too_few_fields", "user,item,rating,time\n1,2,4,1\n3,4\n",
                            "{dir}/data.csv:3: expected at least 4 fields separated by \",\", got 2"));
  cases.push_back(data_case("negative_raw_id", "user,item,rating,time\n-1,2,4,1\n",
                            "{dir}/data.csv:2: user id -1 is negative"));
  // Found by fuzzing (fuzz/regressions/delimited_file).
  cases.push_back(data_case("raw_id_too_large", "user,item,rating,time\n9223372036854775807,2,4,1\n",
                            "{dir}/data.csv:2: user id 9223372036854775807 is above 2147483647, the largest raw id; "
                            "use \"ids\": \"dense\""));
  cases.push_back(data_case("column_position_too_large", "1,2\n", "{dir}/data.csv: column position 978302109 is too "
                                                                  "large; positions go up to 65535",
                            "implicit_factorization", [](json& e) {
                              e["dataset"] = {{"loader", "csv"}, {"path", "{dir}/data.csv"}, {"header", false},
                                              {"user_column", "0"}, {"item_column", "978302109"}};
                            }));
  cases.push_back(data_case("ids_not_utf8", "user,item,rating,time\n\xe9t\xe9,2,4,1\n",
                            "{dir}/data.csv:2: user id is not UTF-8 text; convert the file to UTF-8 (e.g. iconv -f "
                            "latin1 -t utf-8)",
                            "implicit_factorization", [](json& e) { e["dataset"]["ids"] = "dense"; }));
  cases.push_back(data_case("one_row_dataset", "user,item,rating,time\n1,2,4,1\n",
                            "dataset: every interaction is with the same item; ranking needs a catalogue of at least two"));
  cases.push_back(data_case("empty_training_set", "user,item,rating,time\n1,2,4,1\n1,3,4,2\n",
                            "split: the training set is empty; use more data or another split.test_fraction",
                            "implicit_factorization", [](json& e) { e["split"]["test_fraction"] = 0.99; }));
  cases.push_back(data_case("item_zero_in_sequence_data", "user,item,rating,time\n1,0,4,1\n1,2,4,2\n",
                            "to_sequence: row 0: item id 0 is the padding id of sequences and cannot be a real item",
                            "implicit_sequence", [](json& e) { e["split"]["test_fraction"] = 0.5; }));
  cases.push_back(data_case("sequence_data_without_timestamps", good_csv(),
                            "to_sequence needs timestamps; this dataset has none (a csv dataset reads them from "
                            "timestamp_column, or from the row order with rows_in_time_order)",
                            "implicit_sequence", [](json& e) { e["dataset"].erase("timestamp_column"); }));
  cases.push_back(data_case("timestamps_from_a_column_and_from_the_row_order", good_csv(),
                            "{dir}/exp.json: dataset: both timestamp_column and rows_in_time_order given; the "
                            "timestamps come from one of them",
                            "implicit_sequence", [](json& e) { e["dataset"]["rows_in_time_order"] = true; }));
  cases.push_back(data_case("explicit_model_without_ratings", good_csv(),
                            "explicit_factorization needs ratings, and this dataset has none (use implicit_factorization, "
                            "or a loader column with ratings)", "explicit_factorization",
                            [](json& e) {
                              e["dataset"].erase("rating_column");
                              e["model"]["loss"] = {{"plugin", "regression"}};
                              e["model"].erase("sampler");
                              e["evaluation"] = json::array({{{"plugin", "rmse"}}});
                            }));
  cases.push_back(data_case("movielens_folder_without_ratings", "",
                            "{dir}: no MovieLens ratings here (expected a folder or file: u.data, ratings.dat or ratings.csv)",
                            "implicit_factorization",
                            [](json& e) { e["dataset"] = {{"loader", "movielens"}, {"path", "{dir}"}}; }));
  // Plugin libraries (each refused library is also reported as a warning line before the error).
  cases.push_back(plugin_case("throwing_factory", "fixture_throwing_factory.so", "throwing_factory",
                              "@model.loss: plugin \"throwing_factory\" failed to build: the factory failed on purpose"));
  for (const char* fixture : {"fixture_not_a_plugin.so", "fixture_bad_magic.so", "fixture_wrong_abi_version.so",
                              "fixture_duplicate_name.so", "fixture_missing_symbol.so", "fixture_wrong_torch_version.so"}) {
    cases.push_back(plugin_case(std::string("refused_") + fixture, fixture, "fixture",
                                "model.loss.plugin: unknown plugin \"fixture\"; available losses: adaptive_hinge, bpr, "
                                "bpr_max, hinge, logistic, pointwise, poisson, regression, sampled_softmax, softmax; some libraries were refused (see "
                                "`spotlight plugins`)"));
  }
  // Checkpoints.
  cases.push_back({"no_checkpoint", {}, "evaluate --model {dir}/nothing", 1,
                   "{dir}/nothing: no checkpoint here (checkpoint.json is missing)"});
  cases.push_back({"checkpoint_not_json", {{"model/checkpoint.json", "{oops"}}, "evaluate --model {dir}/model", 1,
                   "{dir}/model/checkpoint.json: not a readable checkpoint (invalid JSON)"});
  cases.push_back({"checkpoint_wrong_version",
                   {{"model/checkpoint.json", R"({"format": "spotlight-checkpoint", "format_version": 99})"}},
                   "evaluate --model {dir}/model", 1,
                   "{dir}/model/checkpoint.json: checkpoint format version 99, this build reads version 1"});
  cases.push_back({"checkpoint_of_something_else", {{"model/checkpoint.json", R"({"format": "pytorch"})"}},
                   "recommend --model {dir}/model --user 1", 1, "{dir}/model/checkpoint.json: not a Spotlight checkpoint"});
  // Found by fuzzing (fuzz/regressions/checkpoint_metadata): fields of another type escaped
  // as the JSON library's type errors.
  cases.push_back({"checkpoint_format_not_a_string", {{"model/checkpoint.json", R"({"format": 20})"}},
                   "evaluate --model {dir}/model", 1, "{dir}/model/checkpoint.json: not a Spotlight checkpoint"});
  cases.push_back({"checkpoint_version_not_a_number",
                   {{"model/checkpoint.json", R"({"format": "spotlight-checkpoint", "format_version": "1"})"}},
                   "evaluate --model {dir}/model", 1,
                   "{dir}/model/checkpoint.json: checkpoint format version \"1\", this build reads version 1"});
  // Command lines.
  cases.push_back({"no_command", {}, "", 2, "usage: spotlight [--plugin-path DIR ...] [--allow-insecure-plugins] COMMAND ..."});
  cases.push_back({"run_without_file", {}, "run", 2,
                   "usage: spotlight run EXPERIMENT.json [--set key=value ...] [--output DIR] [--resume]"});
  cases.push_back({"set_without_equals", {{"exp.json", base_experiment().dump()}},
                   "run {dir}/exp.json --set model.n_iter --output {dir}/out", 1,
                   "--set model.n_iter: expected path.to.key=value"});
  cases.push_back({"set_inside_a_number", {{"exp.json", base_experiment().dump()}},
                   "run {dir}/exp.json --set model.n_iter.x=3 --output {dir}/out", 1,
                   "--set model.n_iter.x=3: model.n_iter.x is inside a value that is not an object"});
  // Found by fuzzing (fuzz/regressions/set_override).
  cases.push_back({"set_not_utf8", {{"exp.json", base_experiment().dump()}},
                   "run {dir}/exp.json --set name=\xe9t\xe9 --output {dir}/out", 1,
                   "--set: the assignment is not UTF-8 text"});
  cases.push_back({"k_not_a_number", {}, "recommend --model {dir}/model --user 1 -k many", 2,
                   "-k needs a whole number from 1 to 1048576, got \"many\""});
  cases.push_back({"unknown_option", {}, "run {dir}/exp.json --frobnicate", 2,
                   "unknown option --frobnicate for `spotlight run`"});
  cases.push_back({"missing_experiment_file", {}, "run {dir}/nothing.json", 1,
                   "{dir}/nothing.json: cannot open the experiment file"});
  // Data means what it says (RFC 4180 quoting, MovieLens numbers, one role per column).
  cases.push_back(data_case("quoted_field_never_closes", "user,item,rating,time\n1,2,4,1\n3,\"4,5,1\n6,7,8,9\n",
                            "{dir}/data.csv:3: a quoted field opens here and never closes"));
  cases.push_back(data_case("quote_inside_unquoted_field", "user,item,rating,time\n1,2x\"y,4,1\n",
                            "{dir}/data.csv:2: a quote inside unquoted field 2; quote the whole field (\"...\") and "
                            "write the quote twice"));
  cases.push_back(data_case("text_after_closing_quote", "user,item,rating,time\n1,\"2\"x,4,1\n",
                            "{dir}/data.csv:2: text after the closing quote of field 2; a quote inside a quoted field "
                            "is written twice (\"\")"));
  cases.push_back(data_case("same_column_twice", good_csv(),
                            "{dir}/data.csv: user_column and item_column name the same column; each column can be "
                            "read as one thing only",
                            "implicit_factorization", [](json& e) { e["dataset"]["item_column"] = "user"; }));
  cases.push_back(data_case("rating_column_is_the_time_column", good_csv(),
                            "{dir}/data.csv: rating_column and timestamp_column name the same column; each column can "
                            "be read as one thing only",
                            "implicit_factorization", [](json& e) { e["dataset"]["rating_column"] = "time"; }));
  cases.push_back(data_case("catalogue_of_one_item", "user,item,rating,time\n1,2,4,1\n2,2,4,2\n3,2,5,3\n4,2,1,4\n",
                            "dataset: every interaction is with the same item; ranking needs a catalogue of at least two"));
  cases.push_back(data_case("control_bytes_in_a_field_are_escaped", "user,item,rating,time\n1,\x1b[2J\x07,4,1\n",
                            "{dir}/data.csv:2: item \"\\x1b[2J\\x07\" is not a number"));
  cases.push_back({"movielens_item_that_is_not_a_number",
                   {{"exp.json", [] {
                       json e = base_experiment();
                       e["dataset"] = {{"loader", "movielens"}, {"path", "{dir}/u.data"}};
                       return e.dump();
                     }()},
                    {"u.data", "1\t10\t5\t881250949\n2\tabc\t4\t881250950\n"}},
                   "run {dir}/exp.json --output {dir}/out", 1, "{dir}/u.data:2: item \"abc\" is not a number"});
  // Experiments mean what they say.
  cases.push_back(raw_experiment_case("duplicate_key", R"({"name": "a", "model": {"n_iter": 5, "n_iter": 50}})",
                                      "{dir}/exp.json: invalid JSON: key \"n_iter\" appears twice in \"model\""));
  cases.push_back(experiment_case("nul_inside_a_path", [](json& e) {
    e["dataset"] = {{"loader", "csv"}, {"path", std::string("{dir}/data.csv\0.json", 20)}, {"user_column", "u"},
                    {"item_column", "i"}};
  }, "dataset.path: contains a NUL byte (\\u0000)"));
  cases.push_back(experiment_case("sampler_on_an_explicit_model", [](json& e) {
    e["model"]["type"] = "explicit_factorization";
    e["model"]["loss"] = {{"plugin", "regression"}};
  }, "model.sampler: model.type \"explicit_factorization\" does not sample negatives (it trains on observed ratings); "
     "remove it"));
  cases.push_back(experiment_case("search_choice_with_a_typo", [](json& e) {
    e["search"] = {{"metric", "mrr"}, {"parameters", {{"model.loss.plugin", {{"choice", {"bpr", "bprr"}}}}}}};
  }, "model.loss.plugin: unknown plugin \"bprr\" (did you mean \"bpr\"?); available losses: " + [] {
    return std::string("adaptive_hinge, bpr, bpr_max, hinge, logistic, pointwise, poisson, regression, sampled_softmax, softmax");
  }()));
  // No size a user gives exhausts the machine.
  cases.push_back(experiment_case("synthetic_size_that_overflows",
                                  [](json& e) { e["dataset"]["num_interactions"] = int64_t{1} << 62; },
                                  "@synthetic: 4611686018427387904 interactions would need more memory than any machine "
                                  "has; the sizes are too large"));
  cases.push_back(experiment_case("synthetic_ids_above_int32",
                                  [](json& e) { e["dataset"]["num_users"] = int64_t{1} << 40; },
                                  "dataset.num_users: expected an integer from 1 to 2147483647, got 1099511627776"));
  cases.push_back(experiment_case("sequence_window_too_long", [](json& e) {
    e["model"]["type"] = "implicit_sequence";
    e["model"]["representation"] = {{"plugin", "pooling"}};
    e["sequence"] = {{"max_length", int64_t{1} << 40}};
  }, "sequence.max_length: expected an integer from 1 to 65536, got 1099511627776"));
  cases.push_back(experiment_case("threads_far_above_the_cores", [](json& e) { e["threads"] = 1024; }, [] {
    const int64_t cores = std::max(1u, std::thread::hardware_concurrency());
    return 4 * cores < 1024 ? "threads: 1024 is more than 4 per core on this machine (" + std::to_string(cores) +
                                  " cores); 0 chooses automatically"
                            : std::string("threads: expected an integer from 0 to 1024, got 1024");
  }()));
  // Outputs and paths.
  cases.push_back({"empty_output", {{"exp.json", base_experiment().dump()}}, "run {dir}/exp.json --output ''", 2,
                   "--output was given an empty value"});
  // Checkpoints are cross-checked before anything is allocated.
  cases.push_back({"checkpoint_ids_do_not_match_counts",
                   {{"model/checkpoint.json", R"({"format": "spotlight-checkpoint", "format_version": 1, "plugins": [],
                       "num_users": 3, "num_items": 2, "user_ids": ["a", "b"], "item_ids": []})"}},
                   "evaluate --model {dir}/model", 1, "{dir}/model/checkpoint.json: user_ids has 2 ids for num_users 3"});
  cases.push_back({"checkpoint_duplicate_ids",
                   {{"model/checkpoint.json", R"({"format": "spotlight-checkpoint", "format_version": 1, "plugins": [],
                       "num_users": 2, "num_items": 2, "user_ids": ["a", "a"], "item_ids": []})"}},
                   "evaluate --model {dir}/model", 1, "{dir}/model/checkpoint.json: user_ids holds \"a\" twice"});
  return cases;
}

class ErrorCatalogue : public ::testing::TestWithParam<Case> {};

TEST_P(ErrorCatalogue, OneLineMessageAndNothingLeftBehind) {
  const Case& c = GetParam();
  testing::TemporaryDirectory folder;
  const std::string dir = folder.path().string();
  for (const auto& [path, contents] : c.files) {
    const auto file = folder.path() / path;
    std::filesystem::create_directories(file.parent_path());
    if (contents.rfind("@copy ", 0) == 0) {
      std::filesystem::copy_file(contents.substr(6), file);
    } else {
      testing::write_text(file, replace_dir(contents, dir));
    }
  }
  const auto result = testing::run_process(shell_quote(kCli) + " " + replace_dir(c.arguments, dir));
  EXPECT_EQ(result.exit_code, c.exit_code) << result.err;
  ASSERT_FALSE(result.err.empty());
  ASSERT_EQ(result.err.back(), '\n');
  const std::string body = result.err.substr(0, result.err.size() - 1);
  if (c.exit_code == 2) {
    // Usage mistakes: the problem on the first line, then a pointer to --help (or the usage).
    const std::string first_line = body.substr(0, body.find('\n'));
    EXPECT_TRUE(first_line == "spotlight: " + c.message || first_line == c.message) << first_line;
    EXPECT_FALSE(std::filesystem::exists(folder.path() / "out"));
    return;
  }
  const std::string last_line = body.substr(body.rfind('\n') == std::string::npos ? 0 : body.rfind('\n') + 1);
  EXPECT_EQ(last_line, "spotlight: error: " + replace_dir(c.message, dir));
  // Only warnings about refused plugin libraries may come before the message.
  std::string earlier = body.substr(0, body.size() - last_line.size());
  for (size_t start = 0; start < earlier.size();) {
    const size_t end = earlier.find('\n', start);
    EXPECT_EQ(earlier.compare(start, 28, "spotlight: warning: plugin l"), 0) << earlier;
    start = end == std::string::npos ? earlier.size() : end + 1;
  }
  EXPECT_FALSE(std::filesystem::exists(folder.path() / "out")) << "a failed run left outputs";
  EXPECT_FALSE(std::filesystem::exists(folder.path() / ".out.staging")) << "a failed run left its staging folder";
}

INSTANTIATE_TEST_SUITE_P(BadInputs, ErrorCatalogue, ::testing::ValuesIn(catalogue()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           std::string name = info.param.name;
                           std::replace_if(name.begin(), name.end(), [](char c) { return !std::isalnum(c); }, '_');
                           return name;
                         });

TEST(ErrorCatalogueSize, HoldsAtLeastFortyBadInputs) { EXPECT_GE(catalogue().size(), 40u); }

}  // namespace
}  // namespace spotlight
