// simple_cf: SimpleCF (the "Simple Collaborative Filtering" architecture): score(u, i) =
// <user_u, item_i>, optionally through a sigmoid (`binary`). Either table can start from
// pretrained vectors in a text file and can be frozen; the others are initialised with the
// chosen torch.nn.init function and its parameters.
#include <fstream>
#include <sstream>

#include <torch/torch.h>

#include "spotlight/sdk/exposed_tables.h"
#include "spotlight/sdk/plugin.h"
#include "spotlight/sdk/representation.h"

namespace {

using spotlight::ComponentArgs;

// A (rows, columns) matrix from a text file: one row per line, numbers separated by
// spaces, tabs or commas.
torch::Tensor read_matrix(const ComponentArgs& args, const std::string& parameter, int64_t rows, int64_t columns) {
  const std::string file = args.text(parameter);
  std::ifstream input(file);
  if (!input) args.fail(parameter, file + ": cannot open the embedding file");
  auto matrix = torch::empty({rows, columns});
  auto values = matrix.accessor<float, 2>();
  std::string line;
  int64_t row = 0;
  for (int64_t number = 1; std::getline(input, line); ++number) {
    for (char& c : line) {
      if (c == ',' || c == '\t') c = ' ';
    }
    std::istringstream fields(line);
    std::vector<float> row_values;
    for (float value; fields >> value;) row_values.push_back(value);
    if (!fields.eof()) args.fail(parameter, file + ":" + std::to_string(number) + ": expected numbers");
    if (row_values.empty()) continue;
    if (static_cast<int64_t>(row_values.size()) != columns) {
      args.fail(parameter, file + ":" + std::to_string(number) + ": expected " + std::to_string(columns) +
                               " numbers (factors), got " + std::to_string(row_values.size()));
    }
    if (row == rows) args.fail(parameter, file + ": more than the " + std::to_string(rows) + " rows needed");
    for (int64_t column = 0; column < columns; ++column) values[row][column] = row_values[static_cast<size_t>(column)];
    ++row;
  }
  if (row != rows) {
    args.fail(parameter, file + ": " + std::to_string(row) + " rows, but " + std::to_string(rows) + " are needed");
  }
  return matrix;
}

torch::Tensor table(const ComponentArgs& args, const std::string& pretrained, const std::string& freeze, int64_t rows,
                    int64_t factors) {
  torch::Tensor weights;
  if (args.has(pretrained)) {
    weights = read_matrix(args, pretrained, rows, factors);
  } else {
    weights = torch::empty({rows, factors});
    torch::NoGradGuard no_grad;
    const std::string init = args.text("init");
    if (init == "normal") {
      weights.normal_(args.number("mean"), args.number("std"));
    } else if (init == "uniform") {
      weights.uniform_(args.number("low"), args.number("high"));
    } else if (init == "xavier_normal") {
      torch::nn::init::xavier_normal_(weights, args.number("gain"));
    } else if (init == "xavier_uniform") {
      torch::nn::init::xavier_uniform_(weights, args.number("gain"));
    } else {
      weights.zero_();
    }
  }
  return weights.set_requires_grad(!args.boolean(freeze));
}

class SimpleCF : public spotlight::Representation, public spotlight::ExposesTables {
 public:
  SimpleCF(torch::Tensor users, torch::Tensor items, bool binary)
      : users_(register_parameter("user_embeddings", users, users.requires_grad())),
        items_(register_parameter("item_embeddings", items, items.requires_grad())),
        binary_(binary) {}

  spotlight::UserInput user_input() const override { return spotlight::UserInput::ids; }

  torch::Tensor encode_users(const torch::Tensor& user_ids) override { return torch::embedding(users_, user_ids); }

  torch::Tensor score(const torch::Tensor& states, const torch::Tensor& item_ids) override {
    auto item_vectors = torch::embedding(items_, item_ids);
    return output((states * item_vectors).sum(-1));
  }

  torch::Tensor score_all(const torch::Tensor& states) override { return output(torch::matmul(states, items_.t())); }

  torch::Tensor item_vectors() override { return spotlight::table_values(items_); }

  // With `binary`, a score is the sigmoid of the dot product, so the ranking is the same.
  std::vector<spotlight::ExposedTable> exposed_tables() override {
    return {{"user_vectors", spotlight::TableRows::users, spotlight::table_values(users_)},
            {"item_vectors", spotlight::TableRows::items, item_vectors()}};
  }

 private:
  torch::Tensor output(const torch::Tensor& dot) const { return binary_ ? torch::sigmoid(dot) : dot; }

  torch::Tensor users_;
  torch::Tensor items_;
  bool binary_;
};

std::shared_ptr<SimpleCF> make_simple_cf(const ComponentArgs& args) {
  const int64_t factors = args.integer("factors");
  const auto& model = args.model();
  if (args.text("init") == "uniform" && !(args.number("low") < args.number("high"))) {
    args.fail("low", "must be below high for uniform initialisation");
  }
  return std::make_shared<SimpleCF>(table(args, "user_embeddings", "freeze_users", model.num_users, factors),
                                    table(args, "item_embeddings", "freeze_items", model.num_items, factors),
                                    args.boolean("binary"));
}

}  // namespace

SPOTLIGHT_PLUGIN(
    SimpleCF, make_simple_cf, "simple_cf", "1.0.0",
    "SimpleCF: dot product of user and item vectors, optionally pretrained, frozen, or through a sigmoid",
    {spotlight::Parameter::integer("factors", 16, "Dimension of the embedding space")
         .at_least(1)
         .at_most(spotlight::kMaxWidth),
     spotlight::Parameter::text("user_embeddings", std::nullopt,
                                "Text file of pretrained user vectors: one row per user, `factors` numbers each")
         .optional(),
     spotlight::Parameter::boolean("freeze_users", false, "Keep the user vectors as they are (not trained)"),
     spotlight::Parameter::text("item_embeddings", std::nullopt, "Text file of pretrained item vectors").optional(),
     spotlight::Parameter::boolean("freeze_items", false, "Keep the item vectors as they are (not trained)"),
     spotlight::Parameter::text("init", "normal", "Initialisation of tables not loaded from a file")
         .one_of({"normal", "uniform", "xavier_normal", "xavier_uniform", "zeros"}),
     spotlight::Parameter::number("mean", 0.0, "Mean for init normal"),
     spotlight::Parameter::number("std", 1.0, "Standard deviation for init normal").at_least(0),
     spotlight::Parameter::number("low", 0.0, "Lower bound for init uniform"),
     spotlight::Parameter::number("high", 1.0, "Upper bound for init uniform"),
     spotlight::Parameter::number("gain", 1.0, "Gain for the xavier inits").greater_than(0),
     spotlight::Parameter::boolean("binary", false, "Pass scores through a sigmoid (ratings in [0, 1])")})
