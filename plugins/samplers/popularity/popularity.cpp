// popularity: negatives drawn with probability proportional to count^alpha, the counts being how
// often each item occurs in the training interactions (word2vec's unigram^0.75 by default).
// Items that never occur are never drawn, so the padding item 0 of sequence models is not
// either. Each draw is one uniform double from the model's Random stream looked up in the
// cumulative table by binary search: the same generator state gives the same sample.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/plugin.h"
#include "spotlight/sdk/sampler.h"

namespace {

class PopularitySampler : public spotlight::Sampler {
 public:
  PopularitySampler(int64_t num_items, int64_t num_negative_samples, double alpha, bool exclude_positive)
      : num_items_(num_items),
        num_negative_samples_(num_negative_samples),
        alpha_(alpha),
        exclude_positive_(exclude_positive) {}

  int64_t num_negative_samples() const override { return num_negative_samples_; }

  void prepare(const spotlight::InteractionMatrix& train) override {
    std::vector<double> counts(static_cast<size_t>(num_items_), 0.0);
    for (int64_t item : train.item_ids) {
      if (item < 0 || item >= num_items_) {
        throw spotlight::DataError("popularity: item id " + std::to_string(item) + " is outside the model's " +
                                   std::to_string(num_items_) + " items");
      }
      counts[static_cast<size_t>(item)] += 1.0;
    }
    double total = 0.0;
    int64_t drawable = 0;
    for (double& count : counts) {
      count = count > 0.0 ? std::pow(count, alpha_) : 0.0;
      total += count;
      drawable += count > 0.0;
    }
    if (drawable == 0) throw spotlight::DataError("popularity: the training interactions have no items to sample");
    if (exclude_positive_ && drawable < 2) {
      throw spotlight::DataError("popularity: exclude_positive needs at least two items in the training "
                                 "interactions, and there is one");
    }
    cumulative_.resize(counts.size());
    log_probabilities_ = torch::empty({num_items_}, torch::kFloat32);
    float* log_probability = log_probabilities_.data_ptr<float>();
    double running = 0.0;
    for (size_t item = 0; item < counts.size(); ++item) {
      running += counts[item];
      cumulative_[item] = running / total;
      log_probability[item] = static_cast<float>(std::log(counts[item] / total));  // -inf: never drawn
    }
    // Past the last drawable item the table is exactly 1, above any uniform draw in [0, 1).
    const auto last = static_cast<size_t>(
        std::find_if(counts.rbegin(), counts.rend(), [](double count) { return count > 0.0; }).base() -
        counts.begin() - 1);
    std::fill(cumulative_.begin() + static_cast<std::ptrdiff_t>(last), cumulative_.end(), 1.0);
  }

  torch::Tensor sample(torch::IntArrayRef shape, spotlight::Random& random) const override {
    check_prepared();
    auto items = torch::empty(shape, torch::kInt64);
    int64_t* data = items.data_ptr<int64_t>();
    const int64_t count = items.numel();
    for (int64_t i = 0; i < count; ++i) data[i] = draw(random);
    return items;
  }

  torch::Tensor sample_negatives(const torch::Tensor& positives, int64_t samples,
                                 spotlight::Random& random) const override {
    if (!exclude_positive_) return Sampler::sample_negatives(positives, samples, random);
    check_prepared();
    // Redrawing until the item differs is exact (the draw is then from the distribution without
    // the positive) and ends: prepare() made sure a second item can be drawn.
    return spotlight::negatives_other_than(positives, samples, [&](int64_t positive) {
      int64_t item = draw(random);
      while (item == positive) item = draw(random);
      return item;
    });
  }

  bool reports_probabilities() const override { return true; }
  torch::Tensor log_probabilities(const torch::Tensor& items) const override {
    check_prepared();
    return log_probabilities_.index({items.to(torch::kCPU, torch::kInt64)});
  }

 private:
  int64_t draw(spotlight::Random& random) const {
    const double u = random.uniform();
    return static_cast<int64_t>(std::upper_bound(cumulative_.begin(), cumulative_.end(), u) - cumulative_.begin());
  }
  void check_prepared() const {
    if (cumulative_.empty()) {
      throw spotlight::Error("popularity: no item counts yet; the model must call prepare() with the training "
                             "interactions before sampling");
    }
  }

  int64_t num_items_;
  int64_t num_negative_samples_;
  double alpha_;
  bool exclude_positive_;
  std::vector<double> cumulative_;  // cumulative_[i]: probability of drawing an item <= i
  torch::Tensor log_probabilities_;
};

std::shared_ptr<PopularitySampler> make_popularity(const spotlight::ComponentArgs& args) {
  if (args.model().num_items < 1) args.fail("", "the dataset has no items to sample from");
  return std::make_shared<PopularitySampler>(args.model().num_items, args.integer("num_negative_samples"),
                                             args.number("alpha"), args.boolean("exclude_positive"));
}

}  // namespace

SPOTLIGHT_PLUGIN(PopularitySampler, make_popularity, "popularity", "1.0.0",
                 "Negative items drawn with probability proportional to their training count^alpha",
                 {spotlight::Parameter::integer("num_negative_samples", 5,
                                                "Negatives per positive for losses that compare with many")
                      .at_least(1),
                  spotlight::Parameter::number("alpha", 0.75,
                                               "Exponent of the counts: 0 draws the items seen in training uniformly, "
                                               "1 in proportion to their counts")
                      .at_least(0)
                      .at_most(10),
                  spotlight::Parameter::boolean("exclude_positive", false,
                                                "Redraw a negative that equals its positive")})
