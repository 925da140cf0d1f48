#include "spotlight/sdk/nn/sequence_representation.h"

#include <algorithm>

#include <torch/torch.h>

#include "item_score_loops.h"
#include "spotlight/sdk/nn/embeddings.h"
#include "spotlight/sdk/nn/graph_tables.h"

namespace spotlight::nn {

SequenceRepresentation::SequenceRepresentation(std::shared_ptr<EmbeddingLayer> items,
                                               std::shared_ptr<EmbeddingLayer> item_biases)
    : dim_(items->dim()),
      items_(register_module("item_embeddings", std::move(items))),
      item_biases_(register_module("item_biases", std::move(item_biases))) {}

SequenceRepresentation::~SequenceRepresentation() = default;

torch::Tensor SequenceRepresentation::item_vectors() { return table_values(items_->all()); }

std::vector<ExposedTable> SequenceRepresentation::exposed_tables() {
  return {{"item_vectors", TableRows::items, item_vectors()},
          {"item_biases", TableRows::items, table_values(item_biases_->all()).reshape({-1})}};
}

namespace {

const ScaledEmbedding* readable_table(const EmbeddingLayer& layer);

// The item vectors of (batch, length) ids behind `shift` (0 or 1) zero steps, (batch,
// length + shift, dim), with padding ids (0) as zero vectors, as one autograd node that reads
// the table in place: one pass over the output, and a backward pass that adds each real
// step's gradient straight into the table's, where gathering, masking and padding are three
// tensors each way.
class ItemRows : public torch::autograd::Function<ItemRows> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* context, const torch::Tensor& table,
                               const torch::Tensor& ids, int64_t padding_row, int64_t shift) {
    context->save_for_backward({ids});
    context->saved_data["rows"] = table.size(0);
    context->saved_data["padding_row"] = padding_row;
    context->saved_data["shift"] = shift;
    const int64_t batch = ids.size(0), length = ids.size(1), rows = table.size(0), dim = table.size(1);
    auto out = torch::empty({batch, length + shift, dim}, table.options());
    const float* vectors = table.data_ptr<float>();
    const int64_t* id = ids.data_ptr<int64_t>();
    float* o = out.data_ptr<float>();
    for (int64_t b = 0; b < batch; ++b) {
      float* step = o + b * (length + shift) * dim;
      std::fill(step, step + shift * dim, 0.0f);
      step += shift * dim;
      for (int64_t t = 0; t < length; ++t, step += dim) {
        const int64_t item = id[b * length + t];
        TORCH_CHECK(item >= 0 && item < rows, "item id ", item, " is outside the item table of ", rows, " rows");
        if (item == 0) {
          std::fill(step, step + dim, 0.0f);
        } else {
          std::copy(vectors + item * dim, vectors + (item + 1) * dim, step);
        }
      }
    }
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::variable_list output_gradients) {
    const auto ids = context->get_saved_variables()[0];
    const int64_t rows = context->saved_data["rows"].toInt();
    const int64_t padding_row = context->saved_data["padding_row"].toInt();
    const int64_t shift = context->saved_data["shift"].toInt();
    const auto gradient = output_gradients[0].contiguous();
    const int64_t batch = ids.size(0), length = ids.size(1), dim = gradient.size(2);
    auto d_table = torch::zeros({rows, dim}, gradient.options());
    const int64_t* id = ids.data_ptr<int64_t>();
    const float* g = gradient.data_ptr<float>();
    float* d = d_table.data_ptr<float>();
    for (int64_t b = 0; b < batch; ++b) {
      for (int64_t t = 0; t < length; ++t) {
        const int64_t item = id[b * length + t];
        if (item == 0 || item == padding_row) continue;  // padding reads no row; the padding row never learns
        const float* step = g + (b * (length + shift) + t + shift) * dim;
        float* row = d + item * dim;
        for (int64_t k = 0; k < dim; ++k) row[k] += step[k];
      }
    }
    return {d_table, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor SequenceRepresentation::embed(const torch::Tensor& item_sequences) {
  if (const auto* table = readable_table(*items_); table && item_sequences.device().is_cpu() && item_sequences.dim() == 2) {
    return ItemRows::apply(table->weight(), item_sequences.to(torch::kInt64).contiguous(),
                           table->options().padding_idx, 0);
  }
  auto vectors = items_->forward(item_sequences);
  return vectors * item_sequences.ne(0).unsqueeze(-1).to(vectors.scalar_type());
}

torch::Tensor SequenceRepresentation::embed_shifted(const torch::Tensor& item_sequences) {
  // One zero step on the left of the time axis (dim 1 of (batch, length, dim)).
  if (const auto* table = readable_table(*items_); table && item_sequences.device().is_cpu() && item_sequences.dim() == 2) {
    return ItemRows::apply(table->weight(), item_sequences.to(torch::kInt64).contiguous(),
                           table->options().padding_idx, 1);
  }
  return torch::constant_pad_nd(embed(item_sequences), {0, 0, 1, 0});
}

namespace {

// <state, item vector> + item bias for K rows of item ids against M states, as one autograd
// node that reads the tables in place: no (K, M, dim) gathered copy, no product temporary,
// and a backward pass that adds straight into the tables' gradients. The generic code below
// builds and differentiates five such tensors per minibatch.
class ItemScores : public torch::autograd::Function<ItemScores> {
 public:
  // states (M, dim) contiguous, ids (K, M) contiguous; returns (K, M).
  static torch::Tensor forward(torch::autograd::AutogradContext* context, const torch::Tensor& states,
                               const torch::Tensor& vectors, const torch::Tensor& biases, const torch::Tensor& ids,
                               int64_t padding_row) {
    context->save_for_backward({states, vectors, ids});
    context->saved_data["padding_row"] = padding_row;
    const int64_t rows = vectors.size(0), dim = vectors.size(1);
    const int64_t m_count = states.size(0), k_count = ids.size(0);
    auto scores = torch::empty({k_count, m_count}, states.options());
    const int64_t* id = ids.data_ptr<int64_t>();
    for (int64_t i = 0; i < k_count * m_count; ++i) {
      TORCH_CHECK(id[i] >= 0 && id[i] < rows, "item id ", id[i], " is outside the item table of ", rows, " rows");
    }
    item_score_loops::scores(states.data_ptr<float>(), m_count, dim, vectors.data_ptr<float>(),
                             biases.data_ptr<float>(), id, k_count, scores.data_ptr<float>());
    return scores;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::variable_list output_gradients) {
    const auto saved = context->get_saved_variables();
    const auto& states = saved[0];
    const auto& vectors = saved[1];
    const auto& ids = saved[2];
    const int64_t padding_row = context->saved_data["padding_row"].toInt();
    const auto gradient = output_gradients[0].contiguous();
    const int64_t dim = vectors.size(1);
    const int64_t m_count = states.size(0), k_count = ids.size(0);
    auto d_states = torch::zeros_like(states);
    auto d_vectors = torch::zeros_like(vectors);
    auto d_biases = torch::zeros({vectors.size(0), 1}, vectors.options());
    item_score_loops::gradients(states.data_ptr<float>(), m_count, dim, vectors.data_ptr<float>(),
                                ids.data_ptr<int64_t>(), k_count, gradient.data_ptr<float>(), padding_row,
                                d_states.data_ptr<float>(), d_vectors.data_ptr<float>(), d_biases.data_ptr<float>());
    return {d_states, d_vectors, d_biases, torch::Tensor(), torch::Tensor()};
  }
};

// The table behind `layer` when ItemScores can read it in place: a plain dense float32 CPU table.
const ScaledEmbedding* readable_table(const EmbeddingLayer& layer) {
  const auto* table = dynamic_cast<const ScaledEmbedding*>(&layer);
  if (!table || table->options().sparse) return nullptr;
  const auto& weight = table->weight();
  if (!weight.device().is_cpu() || weight.scalar_type() != torch::kFloat32 || !weight.is_contiguous()) return nullptr;
  return table;
}

}  // namespace

torch::Tensor SequenceRepresentation::score(const torch::Tensor& states, const torch::Tensor& item_ids) {
  // ItemScores takes states (..., dim) against ids of the same leading shape, or with one more
  // leading axis that the states broadcast over (positives and negatives at once).
  const auto* vectors = readable_table(*items_);
  const auto* biases = readable_table(*item_biases_);
  const auto leading = states.sizes().slice(0, states.dim() - 1);
  const bool same = leading == item_ids.sizes();
  const bool broadcast = states.dim() == item_ids.dim() + 1 && states.dim() >= 2 && states.size(0) == 1 &&
                         leading.slice(1) == item_ids.sizes().slice(1);
  if (vectors && biases && (same || broadcast) && states.scalar_type() == torch::kFloat32 && states.device().is_cpu() &&
      vectors->options().padding_idx == biases->options().padding_idx) {
    const int64_t m_count = states.numel() / dim_;
    auto flat_states = states.reshape({m_count, dim_}).contiguous();
    auto flat_ids = item_ids.reshape({-1, m_count}).to(torch::kInt64).contiguous();
    auto scores = ItemScores::apply(flat_states, vectors->weight(), biases->weight(), flat_ids,
                                    vectors->options().padding_idx);
    return scores.view(item_ids.sizes());
  }
  auto dot = (states * items_->forward(item_ids)).sum(-1);
  return dot + item_biases_->forward(item_ids).squeeze(-1);
}

torch::Tensor SequenceRepresentation::score_all(const torch::Tensor& states) {
  return catalogue_scores(states, items_->all(), item_biases_->all());
}

SequenceTables sequence_tables(const ComponentArgs& args) {
  SequenceTables tables;
  tables.dim = table_width(args, "embedding_dim", {"item_embedding"});
  const bool sparse = args.boolean("sparse");
  // Item 0 is the padding id of every sequence, so new tables keep row 0 at zero.
  tables.items =
      table_or_new(args, "item_embedding", {TableRows::items, tables.dim, /*zero=*/false, /*padding_idx=*/0, sparse});
  tables.item_biases =
      table_or_new(args, "item_bias", {TableRows::items, 1, /*zero=*/true, /*padding_idx=*/0, sparse});
  return tables;
}

ParameterList sequence_table_parameters() {
  return {Parameter::integer("embedding_dim", std::nullopt,
                             "Width of item vectors and states (default: the item table's, else model.embedding_dim)")
              .at_least(1)
              .at_most(kMaxWidth)
              .optional(),
          Parameter::component("item_embedding", ComponentKind::embedding,
                               "Item table from the graph (default: a new N(0, 1/dim) table, row 0 the padding row)")
              .optional(),
          Parameter::component("item_bias", ComponentKind::embedding,
                               "Item bias table of width 1 (default: a new zero table)")
              .optional(),
          Parameter::boolean("sparse", false, "Sparse gradients for the tables this representation creates")};
}

}  // namespace spotlight::nn
