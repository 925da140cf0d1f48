// uniform: negatives drawn uniformly from every item id, as Spotlight's sample_items does
// (the padding id 0 and the positive itself can be drawn).
#include <torch/torch.h>

#include "spotlight/sdk/plugin.h"
#include "spotlight/sdk/sampler.h"

namespace {

class UniformSampler : public spotlight::Sampler {
 public:
  UniformSampler(int64_t num_items, int64_t num_negative_samples)
      : num_items_(static_cast<uint64_t>(num_items)), num_negative_samples_(num_negative_samples) {}

  int64_t num_negative_samples() const override { return num_negative_samples_; }

  torch::Tensor sample(torch::IntArrayRef shape, spotlight::Random& random) const override {
    auto items = torch::empty(shape, torch::kInt64);
    int64_t* data = items.data_ptr<int64_t>();
    const int64_t count = items.numel();
    for (int64_t i = 0; i < count; ++i) data[i] = static_cast<int64_t>(random.below(num_items_));
    return items;
  }

 private:
  uint64_t num_items_;
  int64_t num_negative_samples_;
};

std::shared_ptr<UniformSampler> make_uniform(const spotlight::ComponentArgs& args) {
  if (args.model().num_items < 1) args.fail("", "the dataset has no items to sample from");
  return std::make_shared<UniformSampler>(args.model().num_items, args.integer("num_negative_samples"));
}

}  // namespace

SPOTLIGHT_PLUGIN(UniformSampler, make_uniform, "uniform", "1.0.0",
                 "Negative items drawn uniformly from all item ids (Spotlight's sample_items)",
                 {spotlight::Parameter::integer("num_negative_samples", 5,
                                                "Negatives per positive for losses that compare with many")
                      .at_least(1)})
