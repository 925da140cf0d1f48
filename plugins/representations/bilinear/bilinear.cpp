// bilinear: Spotlight's BilinearNet. score(u, i) = <user_u, item_i> + user_bias_u + item_bias_i,
// with embeddings from N(0, 1/dim) and zero-initialised biases. Any of the four tables can
// come from the graph (e.g. an item table shared with another component).
#include <torch/torch.h>

#include "spotlight/sdk/hand_gradients.h"
#include "spotlight/sdk/nn/embeddings.h"
#include "spotlight/sdk/plugin.h"
#include "spotlight/sdk/representation.h"

namespace {

using spotlight::EmbeddingLayer;

// The raw rows of a table this representation differentiates by hand.
struct RawTable {
  float* rows;
  float* gradient;  // null when only scoring
  int64_t width;
};

class BilinearNet : public spotlight::Representation, public spotlight::HandGradientRepresentation {
 public:
  BilinearNet(std::shared_ptr<EmbeddingLayer> users, std::shared_ptr<EmbeddingLayer> items,
              std::shared_ptr<EmbeddingLayer> user_biases, std::shared_ptr<EmbeddingLayer> item_biases)
      : dim_(users->dim()),
        users_(register_module("user_embeddings", std::move(users))),
        items_(register_module("item_embeddings", std::move(items))),
        user_biases_(register_module("user_biases", std::move(user_biases))),
        item_biases_(register_module("item_biases", std::move(item_biases))) {}

  spotlight::UserInput user_input() const override { return spotlight::UserInput::ids; }

  // A user's state is its vector with its bias appended: (batch, dim + 1).
  torch::Tensor encode_users(const torch::Tensor& user_ids) override {
    return torch::cat({users_->forward(user_ids), user_biases_->forward(user_ids)}, -1);
  }

  torch::Tensor score(const torch::Tensor& states, const torch::Tensor& item_ids) override {
    auto vectors = states.narrow(-1, 0, dim_);
    auto user_bias = states.select(-1, dim_);
    auto dot = (vectors * items_->forward(item_ids)).sum(-1);
    return dot + user_bias + item_biases_->forward(item_ids).squeeze(-1);
  }

  torch::Tensor score_all(const torch::Tensor& states) override {
    auto vectors = states.narrow(-1, 0, dim_);
    auto biases = states.narrow(-1, dim_, 1) + item_biases_->all().t();
    return torch::addmm(biases, vectors, items_->all().t());
  }

  // By hand only over plain dense tables on the CPU (a Bloom table or sparse gradients go
  // through autograd).
  bool hand_gradients_available() const override {
    for (const auto* table : {users_.get(), items_.get(), user_biases_.get(), item_biases_.get()}) {
      const auto* plain = dynamic_cast<const spotlight::nn::ScaledEmbedding*>(table);
      if (!plain || plain->options().sparse || plain->options().padding_idx >= 0) return false;
      const auto& weight = plain->weight();
      if (!weight.device().is_cpu() || weight.scalar_type() != torch::kFloat32 || !weight.is_contiguous()) return false;
    }
    return true;
  }

  void score_pairs(const int64_t* users, const int64_t* items, int64_t n, int64_t k, float* scores) override {
    const RawTable u = raw(*users_, false), v = raw(*items_, false);
    const RawTable ub = raw(*user_biases_, false), vb = raw(*item_biases_, false);
    for (int64_t j = 0; j < k; ++j) {
      for (int64_t i = 0; i < n; ++i) {
        const int64_t user = users[i], item = items[j * n + i];
        const float* a = u.rows + user * dim_;
        const float* b = v.rows + item * dim_;
        float dot = 0.0f;
        for (int64_t d = 0; d < dim_; ++d) dot += a[d] * b[d];
        scores[j * n + i] = dot + ub.rows[user] + vb.rows[item];
      }
    }
  }

  void add_score_gradients(const int64_t* users, const int64_t* items, int64_t n, int64_t k,
                           const float* d_scores) override {
    const RawTable u = raw(*users_, true), v = raw(*items_, true);
    const RawTable ub = raw(*user_biases_, true), vb = raw(*item_biases_, true);
    for (int64_t j = 0; j < k; ++j) {
      for (int64_t i = 0; i < n; ++i) {
        const float g = d_scores[j * n + i];
        if (g == 0.0f) continue;
        const int64_t user = users[i], item = items[j * n + i];
        const float* a = u.rows + user * dim_;
        const float* b = v.rows + item * dim_;
        float* ga = u.gradient + user * dim_;
        float* gb = v.gradient + item * dim_;
        for (int64_t d = 0; d < dim_; ++d) {
          ga[d] += g * b[d];
          gb[d] += g * a[d];
        }
        ub.gradient[user] += g;
        vb.gradient[item] += g;
      }
    }
  }

 private:
  static RawTable raw(EmbeddingLayer& table, bool with_gradient) {
    const auto& weight = static_cast<spotlight::nn::ScaledEmbedding&>(table).weight();
    return {weight.data_ptr<float>(), with_gradient ? weight.grad().data_ptr<float>() : nullptr, weight.size(1)};
  }

  int64_t dim_;
  std::shared_ptr<EmbeddingLayer> users_;
  std::shared_ptr<EmbeddingLayer> items_;
  std::shared_ptr<EmbeddingLayer> user_biases_;
  std::shared_ptr<EmbeddingLayer> item_biases_;
};

// The table named `name` from the graph, or a new one; checked against the expected shape.
std::shared_ptr<EmbeddingLayer> table(const spotlight::ComponentArgs& args, const std::string& name, int64_t rows,
                                      int64_t dim, bool zero) {
  auto given = args.component_as<EmbeddingLayer>(name);
  if (!given) {
    spotlight::nn::EmbeddingOptions options{rows, dim, -1, args.boolean("sparse")};
    if (zero) return std::make_shared<spotlight::nn::ZeroEmbedding>(options);
    return std::make_shared<spotlight::nn::ScaledEmbedding>(options);
  }
  // Exactly: score_all scores every row of the item tables as an item.
  if (given->num_embeddings() != rows) {
    args.fail(name, "has " + std::to_string(given->num_embeddings()) + " rows but " + std::to_string(rows) +
                        " are needed");
  }
  if (given->dim() != dim) {
    args.fail(name, "has width " + std::to_string(given->dim()) + " but " + std::to_string(dim) + " is needed");
  }
  return given;
}

std::shared_ptr<spotlight::Component> make_bilinear(const spotlight::ComponentArgs& args) {
  const auto& model = args.model();
  int64_t dim = args.has("embedding_dim") ? args.integer("embedding_dim") : model.embedding_dim;
  if (!args.has("embedding_dim")) {
    // A shared table decides the width when none is given.
    if (auto users = args.component_as<EmbeddingLayer>("user_embedding")) dim = users->dim();
    else if (auto items = args.component_as<EmbeddingLayer>("item_embedding")) dim = items->dim();
  }
  return std::make_shared<BilinearNet>(table(args, "user_embedding", model.num_users, dim, false),
                                       table(args, "item_embedding", model.num_items, dim, false),
                                       table(args, "user_bias", model.num_users, 1, true),
                                       table(args, "item_bias", model.num_items, 1, true));
}

}  // namespace

SPOTLIGHT_PLUGIN(
    make_bilinear, "bilinear", spotlight::ComponentKind::representation, "1.0.0",
    "Bilinear factorization (Spotlight's BilinearNet): user . item + user bias + item bias",
    spotlight::Parameter::integer("embedding_dim", std::nullopt, "Width of user and item vectors (default: model.embedding_dim)")
        .at_least(1)
        .at_most(spotlight::kMaxWidth)
        .optional(),
    spotlight::Parameter::component("user_embedding", spotlight::ComponentKind::embedding,
                                    "User table from the graph (default: a new N(0, 1/dim) table)")
        .optional(),
    spotlight::Parameter::component("item_embedding", spotlight::ComponentKind::embedding,
                                    "Item table from the graph (default: a new N(0, 1/dim) table)")
        .optional(),
    spotlight::Parameter::component("user_bias", spotlight::ComponentKind::embedding,
                                    "User bias table of width 1 (default: a new zero table)")
        .optional(),
    spotlight::Parameter::component("item_bias", spotlight::ComponentKind::embedding,
                                    "Item bias table of width 1 (default: a new zero table)")
        .optional(),
    spotlight::Parameter::boolean("sparse", false, "Sparse gradients for the tables this representation creates"))
