#pragma once

#include <torch/types.h>

#include "spotlight/sdk/component.h"
#include "spotlight/sdk/export.h"
#include "spotlight/sdk/interaction_matrix.h"
#include "spotlight/sdk/random.h"

namespace spotlight {

// Draws negative items for training.
class SPOTLIGHT_SDK_API Sampler : public Component {
 public:
  ~Sampler() override;
  static constexpr ComponentKind component_kind = ComponentKind::sampler;
  ComponentKind kind() const final { return component_kind; }

  // How many negatives per positive a loss that compares with many receives.
  virtual int64_t num_negative_samples() const = 0;
  // Called once before training with the training interactions (popularity-aware samplers
  // read them; a uniform one ignores them).
  virtual void prepare(const InteractionMatrix& train) {}
  // An int64 CPU tensor of `shape` with item ids in [0, num_items), drawn from `random` only,
  // so that the same generator state gives the same sample.
  virtual torch::Tensor sample(torch::IntArrayRef shape, Random& random) const = 0;
};

}  // namespace spotlight
