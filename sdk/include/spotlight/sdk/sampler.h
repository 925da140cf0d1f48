#pragma once

#include <vector>

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
  // Whether prepare() reads the interactions' rows. When it does not, the host passes a matrix
  // with the counts (num_users, num_items) and no rows, instead of grouping every training
  // interaction by user for nothing (at 80M interactions: 1.6 GB and seconds).
  virtual bool reads_training_rows() const { return true; }
  // An int64 CPU tensor of `shape` with item ids in [0, num_items), drawn from `random` only,
  // so that the same generator state gives the same sample.
  virtual torch::Tensor sample(torch::IntArrayRef shape, Random& random) const = 0;
  // What the host calls: `samples` negatives for each of `positives` (int64 item ids of any
  // shape), shaped (samples, ...positives' shape); negative [j, ...i] belongs to positive
  // [...i]. A sampler that avoids the positive (exclude_positive) reads them; the default
  // ignores them and returns sample({samples, ...positives' shape}, random), so a sampler
  // written before this call draws exactly what it drew before.
  virtual torch::Tensor sample_negatives(const torch::Tensor& positives, int64_t samples, Random& random) const;

  // True when log_probabilities() reports the probability of each draw (losses with the
  // log Q correction need it; the host refuses the pairing otherwise, by name).
  virtual bool reports_probabilities() const { return false; }
  // log Q(item) for each of `items` (any shape; float32 of the same shape): the log probability
  // one draw returns that item, after prepare(). A sampler that excludes the positive reports the
  // probability before that exclusion. Undefined when reports_probabilities() is false.
  virtual torch::Tensor log_probabilities(const torch::Tensor& items) const { return torch::Tensor(); }
};

// The body of a sample_negatives() that avoids the positives: a (samples, ...positives'
// shape) int64 CPU tensor whose [j, ...i] is draw_other(positive[...i]), an item other than
// that positive. Draws go in the order of the result's elements, so the same generator state
// gives the same negatives.
template <class DrawOther>
torch::Tensor negatives_other_than(const torch::Tensor& positives, int64_t samples, DrawOther&& draw_other) {
  const auto wanted = positives.to(torch::kCPU, torch::kInt64).contiguous();
  std::vector<int64_t> shape{samples};
  shape.insert(shape.end(), wanted.sizes().begin(), wanted.sizes().end());
  auto items = torch::empty(shape, torch::kInt64);
  int64_t* data = items.data_ptr<int64_t>();
  const int64_t* positive = wanted.data_ptr<int64_t>();
  const int64_t n = wanted.numel();
  for (int64_t j = 0; j < samples; ++j) {
    for (int64_t i = 0; i < n; ++i) data[j * n + i] = draw_other(positive[i]);
  }
  return items;
}

}  // namespace spotlight
