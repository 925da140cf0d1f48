#pragma once

#include <torch/nn/module.h>
#include <torch/types.h>

#include "spotlight/sdk/component.h"
#include "spotlight/sdk/export.h"

namespace spotlight {

// A table of learned vectors, addressable by id. Representations take them from the graph
// ("item_embedding": "@items") so one table can be shared by several components.
class SPOTLIGHT_SDK_API EmbeddingLayer : public Component, public torch::nn::Module {
 public:
  ~EmbeddingLayer() override;
  static constexpr ComponentKind component_kind = ComponentKind::embedding;
  ComponentKind kind() const final { return component_kind; }

  virtual int64_t num_embeddings() const = 0;
  virtual int64_t dim() const = 0;
  // (...) ids -> (..., dim)
  virtual torch::Tensor forward(const torch::Tensor& ids) = 0;
  // All rows at once, (num_embeddings, dim), for scoring every item.
  virtual torch::Tensor all() = 0;
};

}  // namespace spotlight
