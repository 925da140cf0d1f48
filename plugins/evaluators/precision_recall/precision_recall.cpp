// precision_recall: the share of each user's top K items that are test items (precision@K) and the share of the
// user's test items found in the top K (recall@K), over the full catalogue (Spotlight's precision_recall_score).
#include <algorithm>

#include "spotlight/sdk/plugin.h"
#include "spotlight/sdk/top_k_evaluator.h"

namespace {

class PrecisionRecallEvaluator : public spotlight::TopKEvaluator {
 public:
  explicit PrecisionRecallEvaluator(const spotlight::ComponentArgs& args) : TopKEvaluator("precision_recall", args) {}

 protected:
  std::vector<std::string> metric_names(int64_t cutoff) const override {
    return {"precision@" + std::to_string(cutoff), "recall@" + std::to_string(cutoff)};
  }

  void measure(const std::vector<int64_t>& top, int64_t cutoff, const int64_t* test_items, int64_t num_test_items,
               double* values) const override {
    const auto length = std::min<std::ptrdiff_t>(cutoff, static_cast<std::ptrdiff_t>(top.size()));
    const auto hits = static_cast<double>(std::count_if(top.begin(), top.begin() + length, [&](int64_t item) {
      return std::binary_search(test_items, test_items + num_test_items, item);
    }));
    values[0] = hits / static_cast<double>(length);
    values[1] = hits / static_cast<double>(num_test_items);
  }
};

std::shared_ptr<PrecisionRecallEvaluator> make_precision_recall(const spotlight::ComponentArgs& args) {
  return std::make_shared<PrecisionRecallEvaluator>(args);
}

}  // namespace

SPOTLIGHT_PLUGIN(PrecisionRecallEvaluator, make_precision_recall, "precision_recall", "1.0.0",
                 "Precision and recall of the top K items over all items (Spotlight's precision_recall_score)",
                 spotlight::top_k_parameters())
