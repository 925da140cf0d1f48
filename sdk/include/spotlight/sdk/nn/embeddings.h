#pragma once

#include <torch/nn/modules/embedding.h>

#include "spotlight/sdk/embedding.h"
#include "spotlight/sdk/export.h"

namespace spotlight::nn {

// The embedding tables Spotlight's models use, as SDK code so that the embedding plugins
// and any representation that builds its own tables share one implementation.

struct EmbeddingOptions {
  int64_t num_embeddings = 0;
  int64_t dim = 32;
  int64_t padding_idx = -1;  // a row kept at zero and never trained; -1 for none
  bool sparse = false;       // sparse gradients
};

// Weights drawn from N(0, 1/dim).
class SPOTLIGHT_SDK_API ScaledEmbedding : public EmbeddingLayer {
 public:
  explicit ScaledEmbedding(const EmbeddingOptions& options);
  ~ScaledEmbedding() override;
  int64_t num_embeddings() const override { return options_.num_embeddings; }
  int64_t dim() const override { return options_.dim; }
  torch::Tensor forward(const torch::Tensor& ids) override;
  torch::Tensor all() override;

  // The table itself, for components that read and differentiate it by hand.
  const torch::Tensor& weight() const { return table_->weight; }
  const EmbeddingOptions& options() const { return options_; }

 protected:
  EmbeddingOptions options_;
  torch::nn::Embedding table_{nullptr};
};

// Weights initialised to zero (biases).
class SPOTLIGHT_SDK_API ZeroEmbedding : public ScaledEmbedding {
 public:
  explicit ZeroEmbedding(const EmbeddingOptions& options);
  ~ZeroEmbedding() override;
};

}  // namespace spotlight::nn
