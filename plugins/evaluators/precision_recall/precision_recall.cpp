// precision_recall: the share of each user's top K items that are test items (precision@K) and the share of the
// user's test items found in the top K (recall@K), over the full catalogue (Spotlight's precision_recall_score).
#include <algorithm>
#include <numeric>
#include <string>

#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/evaluator.h"
#include "spotlight/sdk/plugin.h"
#include "spotlight/sdk/ranking.h"
#include "spotlight/sdk/user_scores.h"

namespace {

class PrecisionRecallEvaluator : public spotlight::Evaluator {
 public:
  PrecisionRecallEvaluator(std::vector<int64_t> cutoffs, bool exclude_train, int64_t batch_size)
      : cutoffs_(std::move(cutoffs)), exclude_train_(exclude_train), batch_size_(batch_size) {}

  std::vector<spotlight::Metric> evaluate(spotlight::Scorer& scorer,
                                          const spotlight::EvaluationData& data) const override {
    if (!scorer.scores_users()) throw spotlight::Error("precision_recall needs a model that scores users");
    const auto users = spotlight::users_with_test_items(*data.test);
    // precision@K then recall@K for each K, in the order the cutoffs were given.
    std::vector<spotlight::Metric> metrics;
    for (int64_t k : cutoffs_) {
      metrics.push_back({"precision@" + std::to_string(k), 0.0, std::vector<double>(users.size()), users});
      metrics.push_back({"recall@" + std::to_string(k), 0.0, std::vector<double>(users.size()), users});
    }
    // top_k orders ties by item id, so every shorter top list is a prefix of the deepest one: one partial sort
    // per user serves every cutoff.
    const int64_t deepest = *std::max_element(cutoffs_.begin(), cutoffs_.end());
    spotlight::for_each_user_scores(
        scorer, *data.test, users, exclude_train_ ? data.train : nullptr, batch_size_,
        [&](int64_t row, int64_t, const float* scores, int64_t num_items, const int64_t* test_items,
            int64_t num_test_items) {
          const auto top = spotlight::top_k(scores, num_items, deepest);
          const auto is_test_item = [&](int64_t item) {
            return std::binary_search(test_items, test_items + num_test_items, item);
          };
          for (size_t i = 0; i < cutoffs_.size(); ++i) {
            const auto length = std::min<std::ptrdiff_t>(cutoffs_[i], static_cast<std::ptrdiff_t>(top.size()));
            const auto hits = static_cast<double>(std::count_if(top.begin(), top.begin() + length, is_test_item));
            metrics[2 * i].per_user[static_cast<size_t>(row)] = hits / static_cast<double>(length);
            metrics[2 * i + 1].per_user[static_cast<size_t>(row)] = hits / static_cast<double>(num_test_items);
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

// `k` is one cutoff or a list of them. Each cutoff becomes its own metrics, and a repeated cutoff would name two
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

std::shared_ptr<spotlight::Component> make_precision_recall(const spotlight::ComponentArgs& args) {
  return std::make_shared<PrecisionRecallEvaluator>(read_cutoffs(args), args.boolean("exclude_train"),
                                                    args.integer("batch_size"));
}

}  // namespace

SPOTLIGHT_PLUGIN(make_precision_recall, "precision_recall", spotlight::ComponentKind::evaluator, "1.0.0",
                 "Precision and recall of the top K items (Spotlight's precision_recall_score)",
                 spotlight::Parameter::integers("k", 10, "Length of the top list; a list gives metrics for each length")
                     .at_least(1),
                 spotlight::Parameter::boolean("exclude_train", true, "Rank the user's training items last"),
                 spotlight::Parameter::integer("batch_size", 1024, "Users scored per batch").at_least(1))
