// gmf: generalized matrix factorization (He et al., "Neural Collaborative Filtering", 2017):
// score(u, i) = h . (user_u * item_i) + item_bias_i, where the weight vector h is learned
// instead of fixed to ones as in a plain dot product.
#include <torch/torch.h>

#include "spotlight/sdk/nn/graph_tables.h"
#include "spotlight/sdk/plugin.h"
#include "spotlight/sdk/representation.h"

namespace {

using spotlight::EmbeddingLayer;

class GeneralizedMatrixFactorization : public spotlight::Representation {
 public:
  GeneralizedMatrixFactorization(std::shared_ptr<EmbeddingLayer> users, std::shared_ptr<EmbeddingLayer> items,
                                 std::shared_ptr<EmbeddingLayer> item_biases)
      : weights_(register_parameter("weights", torch::ones({users->dim()}))),
        users_(register_module("users", std::move(users))),
        items_(register_module("items", std::move(items))),
        item_biases_(register_module("item_biases", std::move(item_biases))) {}

  spotlight::UserInput user_input() const override { return spotlight::UserInput::ids; }

  // The state folds h into the user vector: h . (u * i) = (h * u) . i
  torch::Tensor encode_users(const torch::Tensor& user_ids) override { return users_->forward(user_ids) * weights_; }

  torch::Tensor score(const torch::Tensor& states, const torch::Tensor& item_ids) override {
    return (states * items_->forward(item_ids)).sum(-1) + item_biases_->forward(item_ids).squeeze(-1);
  }

  torch::Tensor score_all(const torch::Tensor& states) override {
    return torch::addmm(item_biases_->all().t(), states, items_->all().t());
  }

 private:
  torch::Tensor weights_;
  std::shared_ptr<EmbeddingLayer> users_;
  std::shared_ptr<EmbeddingLayer> items_;
  std::shared_ptr<EmbeddingLayer> item_biases_;
};

std::shared_ptr<GeneralizedMatrixFactorization> make_gmf(const spotlight::ComponentArgs& args) {
  using spotlight::nn::TableRows;
  // Tables may be shared from the graph ("item_embedding": "@items"); without embedding_dim a
  // shared table decides the width. The SDK checks that a shared table fits.
  const int64_t dim = spotlight::nn::table_width(args, "embedding_dim", {"user_embedding", "item_embedding"});
  // One statement each: the order the new tables draw their initial values in is fixed.
  auto users = spotlight::nn::table_or_new(args, "user_embedding", {TableRows::users, dim});
  auto items = spotlight::nn::table_or_new(args, "item_embedding", {TableRows::items, dim});
  auto item_biases = spotlight::nn::table_or_new(args, "item_bias", {TableRows::items, 1, /*zero=*/true});
  return std::make_shared<GeneralizedMatrixFactorization>(std::move(users), std::move(items), std::move(item_biases));
}

}  // namespace

// The kind (representation) comes from the class. Every size has an upper bound, as in the
// shipped plugins, so that a typo such as 1e12 is refused by name before LibTorch allocates.
SPOTLIGHT_PLUGIN(
    GeneralizedMatrixFactorization, make_gmf, "gmf", "0.1.0",
    "Generalized matrix factorization: learned weights on the element-wise product",
    {spotlight::Parameter::integer("embedding_dim", std::nullopt,
                                   "Width of user and item vectors (default: a shared table's, else "
                                   "model.embedding_dim)")
         .at_least(1)
         .at_most(spotlight::kMaxWidth)
         .optional(),
     spotlight::Parameter::component("user_embedding", spotlight::ComponentKind::embedding,
                                     "User table from the graph (default: a new N(0, 1/dim) table)")
         .optional(),
     spotlight::Parameter::component("item_embedding", spotlight::ComponentKind::embedding,
                                     "Item table from the graph (default: a new N(0, 1/dim) table)")
         .optional(),
     spotlight::Parameter::component("item_bias", spotlight::ComponentKind::embedding,
                                     "Item bias table of width 1 (default: a new zero table)")
         .optional()})
