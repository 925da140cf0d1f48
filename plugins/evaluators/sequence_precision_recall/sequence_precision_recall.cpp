// sequence_precision_recall: Spotlight's sequence_precision_recall_score. The last k items of
// each test sequence are held out; the model ranks every item after the rest of the sequence,
// and its top k are compared with the held-out items. Precision divides the hits by k, recall
// by the number of distinct held-out items (Spotlight divides by k: the two agree unless an
// item repeats within the last k).
#include <algorithm>
#include <numeric>

#include "spotlight/sdk/evaluator.h"
#include "spotlight/sdk/plugin.h"
#include "spotlight/sdk/ranking.h"
#include "spotlight/sdk/sequence_scores.h"

namespace {

class SequencePrecisionRecallEvaluator : public spotlight::Evaluator {
 public:
  SequencePrecisionRecallEvaluator(int64_t k, bool exclude_preceding, int64_t batch_size)
      : k_(k), exclude_preceding_(exclude_preceding), batch_size_(batch_size) {}

  std::vector<spotlight::Metric> evaluate(spotlight::Scorer& scorer,
                                          const spotlight::EvaluationData& data) const override {
    const auto& sequences = spotlight::test_sequences_for("sequence_precision_recall", scorer, data);
    const auto rows = spotlight::sequences_with_targets(sequences, k_);
    const std::string at = "@" + std::to_string(k_);
    spotlight::Metric precision{"sequence_precision" + at, 0.0, std::vector<double>(rows.size()), rows};
    spotlight::Metric recall{"sequence_recall" + at, 0.0, std::vector<double>(rows.size()), rows};
    spotlight::for_each_sequence_scores(
        scorer, sequences, rows, k_, exclude_preceding_, batch_size_,
        [&](int64_t row, const float* scores, int64_t num_items, const int64_t* targets, int64_t num_targets) {
          const auto top = spotlight::top_k(scores, num_items, k_);
          const auto hits = std::count_if(top.begin(), top.end(), [&](int64_t item) {
            return std::binary_search(targets, targets + num_targets, item);
          });
          precision.per_user[static_cast<size_t>(row)] = static_cast<double>(hits) / static_cast<double>(top.size());
          recall.per_user[static_cast<size_t>(row)] = static_cast<double>(hits) / static_cast<double>(num_targets);
        });
    for (auto* metric : {&precision, &recall}) {
      const double total = std::accumulate(metric->per_user.begin(), metric->per_user.end(), 0.0);
      metric->value = rows.empty() ? 0.0 : total / static_cast<double>(rows.size());
    }
    return {precision, recall};
  }

 private:
  int64_t k_;
  bool exclude_preceding_;
  int64_t batch_size_;
};

std::shared_ptr<SequencePrecisionRecallEvaluator> make_sequence_precision_recall(const spotlight::ComponentArgs& args) {
  return std::make_shared<SequencePrecisionRecallEvaluator>(args.integer("k"), args.boolean("exclude_preceding"),
                                                            args.integer("batch_size"));
}

}  // namespace

SPOTLIGHT_PLUGIN(SequencePrecisionRecallEvaluator, make_sequence_precision_recall, "sequence_precision_recall",
                 "1.0.0",
                 "Precision and recall of the top k against each test sequence's last k items "
                 "(Spotlight's sequence_precision_recall_score)",
                 {spotlight::Parameter::integer("k", 10, "Number of held-out items and length of the top list")
                      .at_least(1),
                  spotlight::Parameter::boolean("exclude_preceding", false,
                                                "Rank the items of the sequence so far last"),
                  spotlight::Parameter::integer("batch_size", 32, "Sequences scored per batch").at_least(1)})
