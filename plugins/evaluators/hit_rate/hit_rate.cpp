// hit_rate: whether any of each user's test items makes the user's top K, over the full catalogue.
#include <algorithm>
#include <numeric>
#include <string>

#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/evaluator.h"
#include "spotlight/sdk/plugin.h"
#include "spotlight/sdk/ranking.h"
#include "spotlight/sdk/user_scores.h"

namespace {

class HitRateEvaluator : public spotlight::Evaluator {
 public:
  HitRateEvaluator(std::vector<int64_t> cutoffs, bool exclude_train, int64_t batch_size)
      : cutoffs_(std::move(cutoffs)), exclude_train_(exclude_train), batch_size_(batch_size) {}

  std::vector<spotlight::Metric> evaluate(spotlight::Scorer& scorer,
                                          const spotlight::EvaluationData& data) const override {
    if (!scorer.scores_users()) throw spotlight::Error("hit_rate needs a model that scores users");
    const auto users = spotlight::users_with_test_items(*data.test);
    std::vector<spotlight::Metric> metrics;
    for (int64_t k : cutoffs_) {
      metrics.push_back({"hit_rate@" + std::to_string(k), 0.0, std::vector<double>(users.size()), users});
    }
    // top_k orders ties by item id, so every shorter top list is a prefix of the deepest one: the position of the
    // first test item in it answers every cutoff.
    const int64_t deepest = *std::max_element(cutoffs_.begin(), cutoffs_.end());
    spotlight::for_each_user_scores(
        scorer, *data.test, users, exclude_train_ ? data.train : nullptr, batch_size_,
        [&](int64_t row, int64_t, const float* scores, int64_t num_items, const int64_t* test_items,
            int64_t num_test_items) {
          const auto top = spotlight::top_k(scores, num_items, deepest);
          const auto first_hit = std::find_if(top.begin(), top.end(), [&](int64_t item) {
            return std::binary_search(test_items, test_items + num_test_items, item);
          });
          // first_hit is end() when no test item made even the deepest list; then no cutoff is hit.
          const int64_t hit_position = first_hit - top.begin();
          for (size_t i = 0; i < cutoffs_.size(); ++i) {
            const bool hit = first_hit != top.end() && hit_position < cutoffs_[i];
            metrics[i].per_user[static_cast<size_t>(row)] = hit ? 1.0 : 0.0;
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

std::shared_ptr<spotlight::Component> make_hit_rate(const spotlight::ComponentArgs& args) {
  return std::make_shared<HitRateEvaluator>(read_cutoffs(args), args.boolean("exclude_train"),
                                            args.integer("batch_size"));
}

}  // namespace

SPOTLIGHT_PLUGIN(make_hit_rate, "hit_rate", spotlight::ComponentKind::evaluator, "1.0.0",
                 "Share of users with at least one test item among their top K items, over all items",
                 spotlight::Parameter::integers("k", 10, "Length of the top list; a list gives metrics for each length")
                     .at_least(1),
                 spotlight::Parameter::boolean("exclude_train", true, "Rank the user's training items last"),
                 spotlight::Parameter::integer("batch_size", 1024, "Users scored per batch").at_least(1))
