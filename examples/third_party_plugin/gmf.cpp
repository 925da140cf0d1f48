// gmf: generalized matrix factorization (He et al., "Neural Collaborative Filtering", 2017):
// score(u, i) = h . (user_u * item_i) + item_bias_i, where the weight vector h is learned
// instead of fixed to ones as in a plain dot product.
#include <torch/torch.h>

#include "spotlight/sdk/nn/embeddings.h"
#include "spotlight/sdk/plugin.h"
#include "spotlight/sdk/representation.h"

namespace {

class GeneralizedMatrixFactorization : public spotlight::Representation {
 public:
  GeneralizedMatrixFactorization(int64_t num_users, int64_t num_items, int64_t dim)
      : users_(register_module("users", std::make_shared<spotlight::nn::ScaledEmbedding>(
                                             spotlight::nn::EmbeddingOptions{num_users, dim}))),
        items_(register_module("items", std::make_shared<spotlight::nn::ScaledEmbedding>(
                                             spotlight::nn::EmbeddingOptions{num_items, dim}))),
        item_biases_(register_module("item_biases", std::make_shared<spotlight::nn::ZeroEmbedding>(
                                                         spotlight::nn::EmbeddingOptions{num_items, 1}))),
        weights_(register_parameter("weights", torch::ones({dim}))) {}

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
  std::shared_ptr<spotlight::nn::ScaledEmbedding> users_;
  std::shared_ptr<spotlight::nn::ScaledEmbedding> items_;
  std::shared_ptr<spotlight::nn::ZeroEmbedding> item_biases_;
  torch::Tensor weights_;
};

std::shared_ptr<spotlight::Component> make_gmf(const spotlight::ComponentArgs& args) {
  const auto& model = args.model();
  const int64_t dim = args.has("embedding_dim") ? args.integer("embedding_dim") : model.embedding_dim;
  return std::make_shared<GeneralizedMatrixFactorization>(model.num_users, model.num_items, dim);
}

}  // namespace

SPOTLIGHT_PLUGIN(make_gmf, "gmf", spotlight::ComponentKind::representation, "0.1.0",
                 "Generalized matrix factorization: learned weights on the element-wise product",
                 spotlight::Parameter::integer("embedding_dim", std::nullopt,
                                               "Width of user and item vectors (default: model.embedding_dim)")
                     .at_least(1)
                     .optional())
