// hit_rate: whether any of each user's test items makes the user's top K, over the full catalogue.
#include <algorithm>

#include "spotlight/sdk/plugin.h"
#include "spotlight/sdk/top_k_evaluator.h"

namespace {

class HitRateEvaluator : public spotlight::TopKEvaluator {
 public:
  explicit HitRateEvaluator(const spotlight::ComponentArgs& args) : TopKEvaluator("hit_rate", args) {}

 protected:
  std::vector<std::string> metric_names(int64_t cutoff) const override {
    return {"hit_rate@" + std::to_string(cutoff)};
  }

  void measure(const std::vector<int64_t>& top, int64_t cutoff, const int64_t* test_items, int64_t num_test_items,
               double* values) const override {
    const auto end = top.begin() + std::min<std::ptrdiff_t>(cutoff, static_cast<std::ptrdiff_t>(top.size()));
    const bool hit = std::any_of(top.begin(), end, [&](int64_t item) {
      return std::binary_search(test_items, test_items + num_test_items, item);
    });
    values[0] = hit ? 1.0 : 0.0;
  }
};

std::shared_ptr<HitRateEvaluator> make_hit_rate(const spotlight::ComponentArgs& args) {
  return std::make_shared<HitRateEvaluator>(args);
}

}  // namespace

SPOTLIGHT_PLUGIN(HitRateEvaluator, make_hit_rate, "hit_rate", "1.0.0",
                 "Share of users with at least one test item among their top K items, over all items",
                 spotlight::top_k_parameters())
