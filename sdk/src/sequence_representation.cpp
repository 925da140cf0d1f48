#include "spotlight/sdk/nn/sequence_representation.h"

#include <torch/torch.h>

#include "spotlight/sdk/nn/embeddings.h"

namespace spotlight::nn {

SequenceRepresentation::SequenceRepresentation(std::shared_ptr<EmbeddingLayer> items,
                                               std::shared_ptr<EmbeddingLayer> item_biases)
    : dim_(items->dim()),
      items_(register_module("item_embeddings", std::move(items))),
      item_biases_(register_module("item_biases", std::move(item_biases))) {}

SequenceRepresentation::~SequenceRepresentation() = default;

torch::Tensor SequenceRepresentation::embed(const torch::Tensor& item_sequences) {
  auto vectors = items_->forward(item_sequences);
  return vectors * item_sequences.ne(0).unsqueeze(-1).to(vectors.scalar_type());
}

torch::Tensor SequenceRepresentation::embed_shifted(const torch::Tensor& item_sequences) {
  // Pad one zero step on the left of the time axis (dim 1 of (batch, length, dim)).
  return torch::constant_pad_nd(embed(item_sequences), {0, 0, 1, 0});
}

torch::Tensor SequenceRepresentation::score(const torch::Tensor& states, const torch::Tensor& item_ids) {
  auto dot = (states * items_->forward(item_ids)).sum(-1);
  return dot + item_biases_->forward(item_ids).squeeze(-1);
}

torch::Tensor SequenceRepresentation::score_all(const torch::Tensor& states) {
  return torch::addmm(item_biases_->all().t(), states, items_->all().t());
}

namespace {

std::shared_ptr<EmbeddingLayer> item_table(const ComponentArgs& args, const std::string& name, int64_t dim,
                                           bool zero) {
  const int64_t rows = args.model().num_items;
  auto given = args.component_as<EmbeddingLayer>(name);
  if (!given) {
    EmbeddingOptions options{rows, dim, /*padding_idx=*/0, args.boolean("sparse")};
    if (zero) return std::make_shared<ZeroEmbedding>(options);
    return std::make_shared<ScaledEmbedding>(options);
  }
  // Exactly one row per item: score_all scores every row as an item.
  if (given->num_embeddings() != rows) {
    args.fail(name, "has " + std::to_string(given->num_embeddings()) + " rows but the data has " +
                        std::to_string(rows) + " items");
  }
  if (given->dim() != dim) {
    args.fail(name, "has width " + std::to_string(given->dim()) + " but " + std::to_string(dim) + " is needed");
  }
  return given;
}

}  // namespace

SequenceTables sequence_tables(const ComponentArgs& args) {
  int64_t dim = args.model().embedding_dim;
  if (args.has("embedding_dim")) {
    dim = args.integer("embedding_dim");
  } else if (auto items = args.component_as<EmbeddingLayer>("item_embedding")) {
    dim = items->dim();
  }
  SequenceTables tables;
  tables.items = item_table(args, "item_embedding", dim, false);
  tables.item_biases = item_table(args, "item_bias", 1, true);
  tables.dim = dim;
  return tables;
}

}  // namespace spotlight::nn
