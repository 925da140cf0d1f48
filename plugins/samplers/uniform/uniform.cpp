// uniform: negatives drawn uniformly from every item id, as Spotlight's sample_items does
// (the padding id 0 can be drawn, and so can the positive unless exclude_positive).
#include <cmath>
#include <vector>

#include <torch/torch.h>

#include "spotlight/sdk/plugin.h"
#include "spotlight/sdk/sampler.h"

namespace {

class UniformSampler : public spotlight::Sampler {
 public:
  UniformSampler(int64_t num_items, int64_t num_negative_samples, bool exclude_positive)
      : num_items_(static_cast<uint64_t>(num_items)),
        num_negative_samples_(num_negative_samples),
        exclude_positive_(exclude_positive) {}

  int64_t num_negative_samples() const override { return num_negative_samples_; }
  bool reads_training_rows() const override { return false; }

  torch::Tensor sample(torch::IntArrayRef shape, spotlight::Random& random) const override {
    auto items = torch::empty(shape, torch::kInt64);
    int64_t* data = items.data_ptr<int64_t>();
    const int64_t count = items.numel();
    for (int64_t i = 0; i < count; ++i) data[i] = static_cast<int64_t>(random.below(num_items_));
    return items;
  }

  torch::Tensor sample_negatives(const torch::Tensor& positives, int64_t samples,
                                 spotlight::Random& random) const override {
    if (!exclude_positive_) return Sampler::sample_negatives(positives, samples, random);
    // Uniform over the other num_items - 1 ids in one draw: ids from the positive on move up by one.
    return spotlight::negatives_other_than(positives, samples, [&](int64_t positive) {
      auto item = static_cast<int64_t>(random.below(num_items_ - 1));
      return item >= positive ? item + 1 : item;
    });
  }

  bool reports_probabilities() const override { return true; }
  torch::Tensor log_probabilities(const torch::Tensor& items) const override {
    return torch::full(items.sizes(), -std::log(static_cast<double>(num_items_)), torch::kFloat32);
  }

 private:
  uint64_t num_items_;
  int64_t num_negative_samples_;
  bool exclude_positive_;
};

std::shared_ptr<UniformSampler> make_uniform(const spotlight::ComponentArgs& args) {
  if (args.model().num_items < 1) args.fail("", "the dataset has no items to sample from");
  const bool exclude_positive = args.boolean("exclude_positive");
  if (exclude_positive && args.model().num_items < 2) {
    args.fail("exclude_positive", "needs at least two items, and the dataset has one");
  }
  return std::make_shared<UniformSampler>(args.model().num_items, args.integer("num_negative_samples"),
                                          exclude_positive);
}

}  // namespace

SPOTLIGHT_PLUGIN(UniformSampler, make_uniform, "uniform", "1.0.0",
                 "Negative items drawn uniformly from all item ids (Spotlight's sample_items)",
                 {spotlight::Parameter::integer("num_negative_samples", 5,
                                                "Negatives per positive for losses that compare with many")
                      .at_least(1),
                  spotlight::Parameter::boolean("exclude_positive", false,
                                                "Draw each negative from the items other than its positive")})
