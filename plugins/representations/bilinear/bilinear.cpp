// bilinear: Spotlight's BilinearNet. score(u, i) = <user_u, item_i> + user_bias_u + item_bias_i,
// with embeddings from N(0, 1/dim) and zero-initialised biases. Any of the four tables can
// come from the graph (e.g. an item table shared with another component).
#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>

#include <torch/torch.h>

#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/exposed_tables.h"
#include "spotlight/sdk/hand_gradients.h"
#include "spotlight/sdk/nn/catalogue_scores.h"
#include "spotlight/sdk/nn/embeddings.h"
#include "spotlight/sdk/nn/graph_tables.h"
#include "spotlight/sdk/plugin.h"
#include "spotlight/sdk/representation.h"

namespace {

using spotlight::EmbeddingLayer;

// Where the gradient of each lookup of a table goes: the looked-up row of a dense gradient
// (lookups of one row add up), or a row of its own in a sparse gradient's values.
class GradientRows {
 public:
  GradientRows(const torch::Tensor& weight, const int64_t* ids, int64_t lookups, bool sparse)
      : weight_(weight), ids_(ids), lookups_(lookups), width_(weight.size(1)), sparse_(sparse) {
    if (sparse_) {
      if (reuse_sparse_gradient()) return;
      values_ = torch::zeros({lookups, width_}, weight.options());
      base_ = values_.data_ptr<float>();
      return;
    }
    auto& gradient = weight.mutable_grad();
    if (gradient.defined() && !gradient.is_sparse()) gradient.zero_();
    else gradient = torch::zeros_like(weight);
    base_ = gradient.data_ptr<float>();
  }
  float* row(int64_t lookup) const { return base_ + (sparse_ ? lookup : ids_[lookup]) * width_; }
  // A sparse gradient is complete once every lookup has written its row. The ids are rows of
  // the table (score_pairs has read them), so the indices skip LibTorch's bounds check: a
  // reduction over them that took a quarter of a sparse factorization step.
  void finish() {
    if (!sparse_ || reused_) return;
    auto indices = torch::from_blob(const_cast<int64_t*>(ids_), {1, lookups_}, torch::kInt64).clone();
    weight_.mutable_grad() = torch::_sparse_coo_tensor_unsafe(indices, values_, weight_.sizes());
  }

 private:
  // The last step's sparse gradient, when nothing else holds it and it has as many rows: its
  // values are zeroed and its indices overwritten in place, which spares the three LibTorch
  // allocations and operations of a new one (most of a small table's sparse step).
  bool reuse_sparse_gradient() {
    auto& gradient = weight_.mutable_grad();
    if (!gradient.defined() || !gradient.is_sparse() || gradient.use_count() != 1 || gradient.is_coalesced() ||
        gradient.sparse_dim() != 1 || gradient.dense_dim() != 1 || gradient._nnz() != lookups_ ||
        gradient.sizes() != weight_.sizes()) {
      return false;
    }
    auto indices = gradient._indices();
    values_ = gradient._values();
    if (!indices.is_contiguous() || !values_.is_contiguous() || values_.scalar_type() != torch::kFloat32 ||
        values_.size(1) != width_) {
      return false;
    }
    std::memcpy(indices.data_ptr<int64_t>(), ids_, static_cast<size_t>(lookups_) * sizeof(int64_t));
    base_ = values_.data_ptr<float>();
    std::memset(base_, 0, static_cast<size_t>(lookups_ * width_) * sizeof(float));
    reused_ = true;
    return true;
  }

  const torch::Tensor& weight_;
  const int64_t* ids_;
  int64_t lookups_;
  int64_t width_;
  bool sparse_;
  bool reused_ = false;
  torch::Tensor values_;
  float* base_ = nullptr;
};

class BilinearNet : public spotlight::Representation,
                    public spotlight::HandGradientRepresentation,
                    public spotlight::ExposesTables {
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
    if (copies_rows_by_hand(user_ids)) return gather_users(user_ids);
    return torch::cat({users_->forward(user_ids), user_biases_->forward(user_ids)}, -1);
  }

  torch::Tensor score(const torch::Tensor& states, const torch::Tensor& item_ids) override {
    auto vectors = states.narrow(-1, 0, dim_);
    auto user_bias = states.select(-1, dim_);
    auto dot = (vectors * items_->forward(item_ids)).sum(-1);
    return dot + user_bias + item_biases_->forward(item_ids).squeeze(-1);
  }

  torch::Tensor item_vectors() override { return spotlight::table_values(items_->all()); }

  std::vector<spotlight::ExposedTable> exposed_tables() override {
    using spotlight::TableRows;
    using spotlight::table_values;
    return {{"user_vectors", TableRows::users, table_values(users_->all())},
            {"item_vectors", TableRows::items, item_vectors()},
            {"user_biases", TableRows::users, table_values(user_biases_->all()).reshape({-1})},
            {"item_biases", TableRows::items, table_values(item_biases_->all()).reshape({-1})}};
  }

  // One matrix product and no separate bias pass: [user, user bias, 1] . [item, 1, item bias],
  // each row summed alike whatever rows are scored beside it (nn::catalogue_scores).
  torch::Tensor score_all(const torch::Tensor& states) override {
    if (!torch::GradMode::is_enabled() && states.device().is_cpu() && states.scalar_type() == torch::kFloat32 &&
        states.dim() == 2) {
      return spotlight::nn::catalogue_scores(with_ones_column(states), item_matrix(), torch::Tensor());
    }
    auto ones = torch::ones({1, 1}, states.options());
    return spotlight::nn::catalogue_scores(torch::cat({states, ones.expand({states.size(0), 1})}, 1), item_matrix(),
                                           torch::Tensor());
  }

  // By hand over plain tables on the CPU (a Bloom table or a padding row go through autograd,
  // and so does one sparse table serving users and items: its two gradients would be one).
  bool hand_gradients_available() const override {
    const bool shared = users_ == items_ || user_biases_ == item_biases_;
    for (const auto* table : {users_.get(), items_.get(), user_biases_.get(), item_biases_.get()}) {
      const auto* plain = dynamic_cast<const spotlight::nn::ScaledEmbedding*>(table);
      if (!plain || plain->options().padding_idx >= 0 || (shared && plain->options().sparse)) return false;
      const auto& weight = plain->weight();
      if (!weight.device().is_cpu() || weight.scalar_type() != torch::kFloat32 || !weight.is_contiguous()) return false;
    }
    return true;
  }

  void score_pairs(const int64_t* users, const int64_t* items, int64_t n, int64_t k, float* scores) override {
    const float* u = weight(*users_).data_ptr<float>();
    const float* v = weight(*items_).data_ptr<float>();
    const float* ub = weight(*user_biases_).data_ptr<float>();
    const float* vb = weight(*item_biases_).data_ptr<float>();
    for (int64_t j = 0; j < k; ++j) {
      for (int64_t i = 0; i < n; ++i) {
        const int64_t user = users[i], item = items[j * n + i];
        const float* a = u + user * dim_;
        const float* b = v + item * dim_;
        float dot = 0.0f;
        for (int64_t d = 0; d < dim_; ++d) dot += a[d] * b[d];
        scores[j * n + i] = dot + ub[user] + vb[item];
      }
    }
  }

  void set_score_gradients(const int64_t* users, const int64_t* items, int64_t n, int64_t k,
                           const float* d_scores) override {
    const float* u = weight(*users_).data_ptr<float>();
    const float* v = weight(*items_).data_ptr<float>();
    GradientRows du(weight(*users_), users, n, sparse(*users_));
    GradientRows dv(weight(*items_), items, n * k, sparse(*items_));
    GradientRows dub(weight(*user_biases_), users, n, sparse(*user_biases_));
    GradientRows dvb(weight(*item_biases_), items, n * k, sparse(*item_biases_));
    for (int64_t j = 0; j < k; ++j) {
      for (int64_t i = 0; i < n; ++i) {
        const int64_t pair = j * n + i;
        const float g = d_scores[pair];
        if (g == 0.0f) continue;
        const float* a = u + users[i] * dim_;
        const float* b = v + items[pair] * dim_;
        float* ga = du.row(i);
        float* gb = dv.row(pair);
        for (int64_t d = 0; d < dim_; ++d) {
          ga[d] += g * b[d];
          gb[d] += g * a[d];
        }
        *dub.row(i) += g;
        *dvb.row(pair) += g;
      }
    }
    for (auto* rows : {&du, &dv, &dub, &dvb}) rows->finish();
  }

  // Entering or leaving training mode forgets the cached item matrix: training changes the
  // tables (the fused optimizers write them in place, past the version counters).
  void train(bool on = true) override {
    torch::nn::Module::train(on);
    std::lock_guard<std::mutex> lock(item_matrix_mutex_);
    item_matrix_ = torch::Tensor();
  }

 private:
  // [item, 1, item bias] for every item. In evaluation mode (evaluation, recommendation) it is
  // built once, column-major, and reused while the tables stay the same, so scoring many blocks
  // of users does not copy the item table each time.
  torch::Tensor item_matrix() {
    const auto& vectors = items_->all();
    const auto& biases = item_biases_->all();
    auto build = [&] {
      auto ones = torch::ones({vectors.size(0), 1}, vectors.options());
      return torch::cat({vectors, ones, biases}, 1);
    };
    if (is_training() || (torch::GradMode::is_enabled() && (vectors.requires_grad() || biases.requires_grad()))) {
      return build();
    }
    const std::array<int64_t, 2> versions{static_cast<int64_t>(vectors._version()), static_cast<int64_t>(biases._version())};
    const std::array<const void*, 2> storage{vectors.data_ptr(), biases.data_ptr()};
    std::lock_guard<std::mutex> lock(item_matrix_mutex_);
    if (!item_matrix_.defined() || versions != item_matrix_versions_ || storage != item_matrix_storage_) {
      item_matrix_ = item_columns(vectors, biases).t();  // column-major: the layout the product reads
      item_matrix_versions_ = versions;
      item_matrix_storage_ = storage;
    }
    return item_matrix_;
  }

  // Scoring without gradients (evaluation, recommendation) from plain CPU tables: the user
  // rows and biases copied straight into [user, user bias], which is two lookups and a
  // concatenation through LibTorch otherwise.
  bool copies_rows_by_hand(const torch::Tensor& user_ids) {
    return !torch::GradMode::is_enabled() && user_ids.device().is_cpu() && user_ids.scalar_type() == torch::kInt64 &&
           user_ids.dim() == 1 && user_ids.is_contiguous() && hand_gradients_available();
  }
  torch::Tensor gather_users(const torch::Tensor& user_ids) {
    const int64_t rows = user_ids.size(0), width = dim_ + 1;
    const int64_t* ids = user_ids.data_ptr<int64_t>();
    const float* vectors = weight(*users_).data_ptr<float>();
    const float* biases = weight(*user_biases_).data_ptr<float>();
    const int64_t table_rows = weight(*users_).size(0);
    auto states = torch::empty({rows, width}, weight(*users_).options());
    float* out = states.data_ptr<float>();
    for (int64_t row = 0; row < rows; ++row) {
      const int64_t id = ids[row];
      if (id < 0 || id >= table_rows) {
        throw spotlight::Error("bilinear: user id " + std::to_string(id) + " is outside its " +
                               std::to_string(table_rows) + " rows");
      }
      std::copy(vectors + id * dim_, vectors + (id + 1) * dim_, out + row * width);
      out[row * width + dim_] = biases[id];
    }
    return states;
  }

  // [state, 1] for each row of CPU float states, copied by hand.
  static torch::Tensor with_ones_column(const torch::Tensor& states) {
    const auto rows = states.contiguous();
    const int64_t count = rows.size(0), width = rows.size(1);
    auto extended = torch::empty({count, width + 1}, rows.options());
    const float* in = rows.data_ptr<float>();
    float* out = extended.data_ptr<float>();
    for (int64_t row = 0; row < count; ++row) {
      std::copy(in + row * width, in + (row + 1) * width, out + row * (width + 1));
      out[row * (width + 1) + width] = 1.0f;
    }
    return extended;
  }

  // [item, 1, item bias] transposed, (dim + 2, items): by hand from plain CPU float tables.
  static torch::Tensor item_columns(const torch::Tensor& vectors, const torch::Tensor& biases) {
    if (!vectors.device().is_cpu() || vectors.scalar_type() != torch::kFloat32 ||
        biases.scalar_type() != torch::kFloat32) {
      auto ones = torch::ones({vectors.size(0), 1}, vectors.options());
      return torch::cat({vectors, ones, biases}, 1).t().contiguous();
    }
    const auto rows = vectors.contiguous();
    const auto bias = biases.contiguous();
    const int64_t items = rows.size(0), dim = rows.size(1);
    auto columns = torch::empty({dim + 2, items}, rows.options());
    const float* in = rows.data_ptr<float>();
    const float* b = bias.data_ptr<float>();
    float* out = columns.data_ptr<float>();
    for (int64_t item = 0; item < items; ++item) {
      for (int64_t d = 0; d < dim; ++d) out[d * items + item] = in[item * dim + d];
      out[dim * items + item] = 1.0f;
      out[(dim + 1) * items + item] = b[item];
    }
    return columns;
  }

  // Only for tables hand_gradients_available() accepted.
  static const torch::Tensor& weight(EmbeddingLayer& table) {
    return static_cast<spotlight::nn::ScaledEmbedding&>(table).weight();
  }
  static bool sparse(EmbeddingLayer& table) {
    return static_cast<spotlight::nn::ScaledEmbedding&>(table).options().sparse;
  }

  int64_t dim_;
  std::shared_ptr<EmbeddingLayer> users_;
  std::shared_ptr<EmbeddingLayer> items_;
  std::shared_ptr<EmbeddingLayer> user_biases_;
  std::shared_ptr<EmbeddingLayer> item_biases_;
  std::mutex item_matrix_mutex_;
  torch::Tensor item_matrix_;
  std::array<int64_t, 2> item_matrix_versions_{};
  std::array<const void*, 2> item_matrix_storage_{};
};

std::shared_ptr<BilinearNet> make_bilinear(const spotlight::ComponentArgs& args) {
  using spotlight::nn::TableRows;
  // A shared table decides the width when none is given.
  const int64_t dim = spotlight::nn::table_width(args, "embedding_dim", {"user_embedding", "item_embedding"});
  const bool sparse = args.boolean("sparse");
  auto table = [&](const char* name, TableRows rows, int64_t width, bool zero) {
    return spotlight::nn::table_or_new(args, name, {rows, width, zero, /*padding_idx=*/-1, sparse});
  };
  return std::make_shared<BilinearNet>(table("user_embedding", TableRows::users, dim, false),
                                       table("item_embedding", TableRows::items, dim, false),
                                       table("user_bias", TableRows::users, 1, true),
                                       table("item_bias", TableRows::items, 1, true));
}

}  // namespace

SPOTLIGHT_PLUGIN(
    BilinearNet, make_bilinear, "bilinear", "1.0.0",
    "Bilinear factorization (Spotlight's BilinearNet): user . item + user bias + item bias",
    {spotlight::Parameter::integer("embedding_dim", std::nullopt,
                                   "Width of user and item vectors (default: model.embedding_dim)")
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
     spotlight::Parameter::boolean("sparse", false, "Sparse gradients for the tables this representation creates")})
