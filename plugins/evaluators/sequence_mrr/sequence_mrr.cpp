// sequence_mrr: Spotlight's sequence_mrr_score. Each test sequence's last item is ranked among
// all items as the next one after the rest of the sequence; the metric is the mean of
// 1 / rank over sequences. The padding id is never a candidate.
#include <numeric>

#include "spotlight/sdk/evaluator.h"
#include "spotlight/sdk/plugin.h"
#include "spotlight/sdk/ranking.h"
#include "spotlight/sdk/sequence_scores.h"

namespace {

class SequenceMrrEvaluator : public spotlight::Evaluator {
 public:
  SequenceMrrEvaluator(bool exclude_preceding, int64_t batch_size)
      : exclude_preceding_(exclude_preceding), batch_size_(batch_size) {}

  std::vector<spotlight::Metric> evaluate(spotlight::Scorer& scorer,
                                          const spotlight::EvaluationData& data) const override {
    const auto& sequences = spotlight::test_sequences_for("sequence_mrr", scorer, data);
    const auto rows = spotlight::sequences_with_targets(sequences, 1);
    spotlight::Metric metric{"sequence_mrr", 0.0, std::vector<double>(rows.size()), rows};
    spotlight::for_each_sequence_scores(
        scorer, sequences, rows, 1, exclude_preceding_, batch_size_,
        [&](int64_t row, const float* scores, int64_t num_items, const int64_t* targets, int64_t num_targets) {
          const auto ranks = spotlight::average_ranks(scores, num_items, targets, num_targets);
          metric.per_user[static_cast<size_t>(row)] = 1.0 / ranks.front();
        });
    const double total = std::accumulate(metric.per_user.begin(), metric.per_user.end(), 0.0);
    metric.value = rows.empty() ? 0.0 : total / static_cast<double>(rows.size());
    return {metric};
  }

 private:
  bool exclude_preceding_;
  int64_t batch_size_;
};

std::shared_ptr<SequenceMrrEvaluator> make_sequence_mrr(const spotlight::ComponentArgs& args) {
  return std::make_shared<SequenceMrrEvaluator>(args.boolean("exclude_preceding"), args.integer("batch_size"));
}

}  // namespace

SPOTLIGHT_PLUGIN(SequenceMrrEvaluator, make_sequence_mrr, "sequence_mrr", "1.0.0",
                 "Mean reciprocal rank of each test sequence's last item (Spotlight's sequence_mrr_score)",
                 {spotlight::Parameter::boolean("exclude_preceding", false,
                                                "Rank the items of the sequence so far last"),
                  spotlight::Parameter::integer("batch_size", 32, "Sequences scored per batch").at_least(1)})
