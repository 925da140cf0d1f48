// ndcg: normalised discounted cumulative gain of each user's top K items with binary relevance (a test item
// gains 1, any other item 0), over the full catalogue.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/evaluator.h"
#include "spotlight/sdk/plugin.h"
#include "spotlight/sdk/ranking.h"
#include "spotlight/sdk/user_scores.h"

namespace {

class NdcgEvaluator : public spotlight::Evaluator {
 public:
  NdcgEvaluator(std::vector<int64_t> cutoffs, bool exclude_train, int64_t batch_size)
      : cutoffs_(std::move(cutoffs)), exclude_train_(exclude_train), batch_size_(batch_size) {}

  std::vector<spotlight::Metric> evaluate(spotlight::Scorer& scorer,
                                          const spotlight::EvaluationData& data) const override {
    if (!scorer.scores_users()) throw spotlight::Error("ndcg needs a model that scores users");
    const auto users = spotlight::users_with_test_items(*data.test);
    std::vector<spotlight::Metric> metrics;
    for (int64_t k : cutoffs_) {
      metrics.push_back({"ndcg@" + std::to_string(k), 0.0, std::vector<double>(users.size()), users});
    }
    // top_k orders ties by item id, so every shorter top list is a prefix of the deepest one: one partial sort
    // and one pass of running sums per user serve every cutoff.
    const int64_t deepest = *std::max_element(cutoffs_.begin(), cutoffs_.end());
    spotlight::for_each_user_scores(
        scorer, *data.test, users, exclude_train_ ? data.train : nullptr, batch_size_,
        [&](int64_t row, int64_t, const float* scores, int64_t num_items, const int64_t* test_items,
            int64_t num_test_items) {
          const auto top = spotlight::top_k(scores, num_items, deepest);
          // gain[n] is the DCG of the first n positions of `top`; ideal_gain[n] that of n test items in a row.
          std::vector<double> gain(top.size() + 1, 0.0), ideal_gain(top.size() + 1, 0.0);
          for (size_t position = 0; position < top.size(); ++position) {
            // Position p (1-based) is discounted by log2(p + 1).
            const double discount = 1.0 / std::log2(static_cast<double>(position) + 2.0);
            const bool relevant = std::binary_search(test_items, test_items + num_test_items, top[position]);
            gain[position + 1] = gain[position] + (relevant ? discount : 0.0);
            ideal_gain[position + 1] = ideal_gain[position] + discount;
          }
          const auto listed = static_cast<int64_t>(top.size());
          for (size_t i = 0; i < cutoffs_.size(); ++i) {
            // Unique test items never outnumber the catalogue, so the ideal list fits in `top` too.
            const double dcg = gain[static_cast<size_t>(std::min(cutoffs_[i], listed))];
            const double idcg = ideal_gain[static_cast<size_t>(std::min(cutoffs_[i], num_test_items))];
            metrics[i].per_user[static_cast<size_t>(row)] = dcg / idcg;
          }
        });
    for (auto& metric : metrics) {
      const double total = std::accumulate(metric.per_user.begin(), metric.per_user.end(), 0.0);
      metric.value = users.empty() ? 0.0 : total / static_cast<double>(users.size());
    }
    return metrics;
  }

 private:
  std::vector<int64_t> cutoffs_;
  bool exclude_train_;
  int64_t batch_size_;
};

// `k` is one cutoff or a list of them. Each cutoff becomes its own metric, and a repeated cutoff would name two
// metrics alike in metrics.json.
std::vector<int64_t> read_cutoffs(const spotlight::ComponentArgs& args) {
  const auto& k = args.values().at("k");
  auto cutoffs = k.is_array() ? k.get<std::vector<int64_t>>() : std::vector<int64_t>{k.get<int64_t>()};
  for (auto cutoff = cutoffs.begin(); cutoff != cutoffs.end(); ++cutoff) {
    if (std::find(cutoffs.begin(), cutoff, *cutoff) != cutoff) {
      args.fail("k", "lists " + std::to_string(*cutoff) + " more than once");
    }
  }
  return cutoffs;
}

std::shared_ptr<spotlight::Component> make_ndcg(const spotlight::ComponentArgs& args) {
  return std::make_shared<NdcgEvaluator>(read_cutoffs(args), args.boolean("exclude_train"),
                                         args.integer("batch_size"));
}

}  // namespace

SPOTLIGHT_PLUGIN(make_ndcg, "ndcg", spotlight::ComponentKind::evaluator, "1.0.0",
                 "Normalised discounted cumulative gain of the top K items, binary relevance, over all items",
                 spotlight::Parameter::integers("k", 10, "Length of the top list; a list gives metrics for each length")
                     .at_least(1),
                 spotlight::Parameter::boolean("exclude_train", true, "Rank the user's training items last"),
                 spotlight::Parameter::integer("batch_size", 1024, "Users scored per batch").at_least(1))
