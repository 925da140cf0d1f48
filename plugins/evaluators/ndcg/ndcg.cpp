// ndcg: normalised discounted cumulative gain of each user's top K items with binary relevance (a test item
// gains 1, any other item 0), over the full catalogue.
#include <algorithm>
#include <cmath>

#include "spotlight/sdk/plugin.h"
#include "spotlight/sdk/top_k_evaluator.h"

namespace {

class NdcgEvaluator : public spotlight::TopKEvaluator {
 public:
  explicit NdcgEvaluator(const spotlight::ComponentArgs& args) : TopKEvaluator("ndcg", args) {}

 protected:
  std::vector<std::string> metric_names(int64_t cutoff) const override { return {"ndcg@" + std::to_string(cutoff)}; }

  void measure(const std::vector<int64_t>& top, int64_t cutoff, const int64_t* test_items, int64_t num_test_items,
               double* values) const override {
    const auto listed = std::min<int64_t>(cutoff, static_cast<int64_t>(top.size()));
    double dcg = 0.0, ideal = 0.0;
    for (int64_t position = 0; position < listed; ++position) {
      // Position p (1-based) is discounted by log2(p + 1).
      const double discount = 1.0 / std::log2(static_cast<double>(position) + 2.0);
      if (std::binary_search(test_items, test_items + num_test_items, top[static_cast<size_t>(position)])) {
        dcg += discount;
      }
      // The ideal list puts every test item first; unique test items never outnumber the catalogue.
      if (position < num_test_items) ideal += discount;
    }
    values[0] = dcg / ideal;
  }
};

std::shared_ptr<NdcgEvaluator> make_ndcg(const spotlight::ComponentArgs& args) {
  return std::make_shared<NdcgEvaluator>(args);
}

}  // namespace

SPOTLIGHT_PLUGIN(NdcgEvaluator, make_ndcg, "ndcg", "1.0.0",
                 "Normalised discounted cumulative gain of the top K items, binary relevance, over all items",
                 spotlight::top_k_parameters())
