#include "spotlight/sdk/nn/embeddings.h"

#include <cmath>

#include <torch/nn/init.h>

namespace spotlight::nn {

ScaledEmbedding::ScaledEmbedding(const EmbeddingOptions& options) : options_(options) {
  TORCH_CHECK(options.num_embeddings > 0, "an embedding table needs at least one row");
  TORCH_CHECK(options.dim > 0, "an embedding dimension must be positive");
  auto table_options = torch::nn::EmbeddingOptions(options.num_embeddings, options.dim).sparse(options.sparse);
  if (options.padding_idx >= 0) table_options.padding_idx(options.padding_idx);
  table_ = register_module("table", torch::nn::Embedding(table_options));
  torch::NoGradGuard no_grad;
  table_->weight.normal_(0.0, 1.0 / static_cast<double>(options.dim));
  if (options.padding_idx >= 0) table_->weight[options.padding_idx].zero_();
}

ScaledEmbedding::~ScaledEmbedding() = default;

torch::Tensor ScaledEmbedding::forward(const torch::Tensor& ids) { return table_->forward(ids); }

torch::Tensor ScaledEmbedding::all() { return table_->weight; }

ZeroEmbedding::ZeroEmbedding(const EmbeddingOptions& options) : ScaledEmbedding(options) {
  torch::NoGradGuard no_grad;
  table_->weight.zero_();
}

ZeroEmbedding::~ZeroEmbedding() = default;

}  // namespace spotlight::nn
