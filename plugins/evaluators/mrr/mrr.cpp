// mrr: mean reciprocal rank of each user's test items over the full catalogue (Spotlight's
// mrr_score), optionally ranking the user's training items last.
#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/evaluator.h"
#include "spotlight/sdk/plugin.h"
#include "spotlight/sdk/ranking.h"

namespace {

class MrrEvaluator : public spotlight::Evaluator {
 public:
  MrrEvaluator(bool exclude_train, int64_t batch_size) : exclude_train_(exclude_train), batch_size_(batch_size) {}

  std::vector<spotlight::Metric> evaluate(spotlight::Scorer& scorer,
                                          const spotlight::EvaluationData& data) const override {
    if (!scorer.scores_users()) throw spotlight::Error("mrr needs a model that scores users; use sequence_mrr");
    const auto& test = *data.test;
    const spotlight::InteractionMatrix* train = exclude_train_ ? data.train : nullptr;
    std::vector<int64_t> users;
    for (int64_t user = 0; user < test.num_users; ++user) {
      if (test.row_size(user) > 0) users.push_back(user);
    }
    spotlight::Metric metric{"mrr", 0.0, std::vector<double>(users.size()), users};
    for (size_t start = 0; start < users.size(); start += static_cast<size_t>(batch_size_)) {
      const int64_t size = std::min<int64_t>(batch_size_, static_cast<int64_t>(users.size() - start));
      auto ids = torch::from_blob(users.data() + start, {size}, torch::kInt64);
      torch::Tensor scores = scorer.score_users(ids);
      float* base = scores.data_ptr<float>();
      const int64_t num_items = scores.size(1);
      at::parallel_for(0, size, 16, [&](int64_t begin, int64_t end) {
        for (int64_t row = begin; row < end; ++row) {
          const int64_t user = users[start + static_cast<size_t>(row)];
          float* user_scores = base + row * num_items;
          if (train && user < train->num_users) {
            spotlight::push_to_bottom(user_scores, train->item_ids.data() + train->row_begin(user), train->row_size(user));
          }
          auto ranks = spotlight::average_ranks(user_scores, num_items, test.item_ids.data() + test.row_begin(user),
                                                test.row_size(user));
          double reciprocal = 0.0;
          for (double rank : ranks) reciprocal += 1.0 / rank;
          metric.per_user[start + static_cast<size_t>(row)] = reciprocal / static_cast<double>(ranks.size());
        }
      });
    }
    double total = 0.0;
    for (double value : metric.per_user) total += value;
    metric.value = users.empty() ? 0.0 : total / static_cast<double>(users.size());
    return {metric};
  }

 private:
  bool exclude_train_;
  int64_t batch_size_;
};

std::shared_ptr<spotlight::Component> make_mrr(const spotlight::ComponentArgs& args) {
  return std::make_shared<MrrEvaluator>(args.boolean("exclude_train"), args.integer("batch_size"));
}

}  // namespace

SPOTLIGHT_PLUGIN(make_mrr, "mrr", spotlight::ComponentKind::evaluator, "1.0.0",
                 "Mean reciprocal rank of test items over all items (Spotlight's mrr_score)",
                 spotlight::Parameter::boolean("exclude_train", true, "Rank the user's training items last"),
                 spotlight::Parameter::integer("batch_size", 1024, "Users scored per batch").at_least(1))
