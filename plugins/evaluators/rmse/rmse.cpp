// rmse: root mean squared error of the predicted ratings over every test interaction (Spotlight's rmse_score).
#include <algorithm>
#include <cmath>
#include <string>

#include <torch/torch.h>

#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/evaluator.h"
#include "spotlight/sdk/plugin.h"

namespace {

class RmseEvaluator : public spotlight::Evaluator {
 public:
  explicit RmseEvaluator(int64_t batch_size) : batch_size_(batch_size) {}

  std::vector<spotlight::Metric> evaluate(spotlight::Scorer& scorer,
                                          const spotlight::EvaluationData& data) const override {
    const auto& test = *data.test;
    if (!test.has_ratings()) throw spotlight::Error("rmse needs ratings; this dataset has none");
    // Every interaction counts, repeats included: Spotlight scores the test set's (user, item, rating) arrays as
    // they are, not its per-user matrix.
    const int64_t count = test.size();
    std::vector<int64_t> pair_users(static_cast<size_t>(count));
    for (int64_t user = 0; user < test.num_users; ++user) {
      for (int64_t entry = test.row_begin(user); entry < test.row_end(user); ++entry) {
        pair_users[static_cast<size_t>(entry)] = user;
      }
    }
    const auto users = torch::tensor(pair_users, torch::kInt64);
    const auto items = torch::tensor(test.item_ids, torch::kInt64);
    double squared_error = 0.0;
    for (int64_t start = 0; start < count; start += batch_size_) {
      const int64_t size = std::min(batch_size_, count - start);
      const torch::Tensor predictions =
          scorer.score_pairs(users.narrow(0, start, size), items.narrow(0, start, size))
              .to(torch::kCPU, torch::kFloat64)
              .contiguous();
      if (predictions.numel() != size) {
        throw spotlight::Error("the model returned " + std::to_string(predictions.numel()) + " predictions for " +
                               std::to_string(size) + " (user, item) pairs");
      }
      const double* predicted = predictions.data_ptr<double>();
      for (int64_t i = 0; i < size; ++i) {
        const double error = static_cast<double>(test.ratings[static_cast<size_t>(start + i)]) - predicted[i];
        squared_error += error * error;
      }
    }
    // per_user stays empty: this is a per-interaction metric, not an average over users.
    return {spotlight::Metric{"rmse", std::sqrt(squared_error / static_cast<double>(count)), {}, {}}};
  }

 private:
  int64_t batch_size_;
};

std::shared_ptr<RmseEvaluator> make_rmse(const spotlight::ComponentArgs& args) {
  return std::make_shared<RmseEvaluator>(args.integer("batch_size"));
}

}  // namespace

SPOTLIGHT_PLUGIN(RmseEvaluator, make_rmse, "rmse", "1.0.0",
                 "Root mean squared error of predicted ratings over test interactions (Spotlight's rmse_score)",
                 {spotlight::Parameter::integer("batch_size", 65536, "(user, item) pairs scored per batch")
                      .at_least(1)})
