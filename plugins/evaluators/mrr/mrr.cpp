// mrr: mean reciprocal rank of each user's test items over the full catalogue (Spotlight's
// mrr_score), optionally ranking the user's training items last.
#include <numeric>

#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/evaluator.h"
#include "spotlight/sdk/plugin.h"
#include "spotlight/sdk/ranking.h"
#include "spotlight/sdk/user_scores.h"

namespace {

class MrrEvaluator : public spotlight::Evaluator {
 public:
  MrrEvaluator(bool exclude_train, int64_t batch_size) : exclude_train_(exclude_train), batch_size_(batch_size) {}

  std::vector<spotlight::Metric> evaluate(spotlight::Scorer& scorer,
                                          const spotlight::EvaluationData& data) const override {
    if (scorer.user_input() != spotlight::UserInput::ids) throw spotlight::Error("mrr needs a model that scores users; use sequence_mrr");
    const auto users = spotlight::users_with_test_items(*data.test);
    spotlight::Metric metric{"mrr", 0.0, std::vector<double>(users.size()), users};
    spotlight::for_each_user_scores(
        scorer, *data.test, users, exclude_train_ ? data.train : nullptr, batch_size_,
        [&](int64_t row, int64_t, const float* scores, int64_t num_items, const int64_t* test_items,
            int64_t num_test_items) {
          auto ranks = spotlight::average_ranks(scores, num_items, test_items, num_test_items);
          double reciprocal = 0.0;
          for (double rank : ranks) reciprocal += 1.0 / rank;
          metric.per_user[static_cast<size_t>(row)] = reciprocal / static_cast<double>(ranks.size());
        });
    const double total = std::accumulate(metric.per_user.begin(), metric.per_user.end(), 0.0);
    metric.value = users.empty() ? 0.0 : total / static_cast<double>(users.size());
    return {metric};
  }

 private:
  bool exclude_train_;
  int64_t batch_size_;
};

std::shared_ptr<MrrEvaluator> make_mrr(const spotlight::ComponentArgs& args) {
  return std::make_shared<MrrEvaluator>(args.boolean("exclude_train"), args.integer("batch_size"));
}

}  // namespace

SPOTLIGHT_PLUGIN(MrrEvaluator, make_mrr, "mrr", "1.0.0",
                 "Mean reciprocal rank of test items over all items (Spotlight's mrr_score)",
                 {spotlight::Parameter::boolean("exclude_train", true, "Rank the user's training items last"),
                  spotlight::Parameter::integer("batch_size", 128, "Users scored per batch").at_least(1)})
