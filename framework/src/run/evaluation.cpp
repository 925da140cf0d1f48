#include "spotlight/framework/run/evaluation.h"

#include <algorithm>
#include <cstdio>

#include "spotlight/framework/training/runtime.h"
#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/scoring_workers.h"

namespace spotlight {

namespace {

// While it lives, blocks are scored on `threads` workers with LibTorch's and the BLAS's pools
// at one thread: one score product per core instead of two pools splitting each product.
class EvaluationThreads {
 public:
  explicit EvaluationThreads(int64_t threads) : one_thread_(1) {
    set_scoring_workers(static_cast<int>(threads > 0 ? threads : core_count()));
  }
  ~EvaluationThreads() { set_scoring_workers(1); }
  EvaluationThreads(const EvaluationThreads&) = delete;
  EvaluationThreads& operator=(const EvaluationThreads&) = delete;

 private:
  ComputeThreadsScope one_thread_;
};

}  // namespace

nlohmann::json evaluate_model(Model& model, const std::vector<std::shared_ptr<Evaluator>>& evaluators,
                              const TrainTestSplit& split, int64_t threads) {
  // Nothing to compute: no matrices either (at 100M interactions they take half a minute).
  if (evaluators.empty()) return nlohmann::json::object();
  const EvaluationThreads evaluation_threads(threads);
  const InteractionMatrix train = split.train.to_matrix();
  const InteractionMatrix test = split.test.to_matrix();
  EvaluationData data;
  data.train = &train;
  data.test = &test;
  SequenceMatrix test_sequences;
  if (const SequenceOptions* options = model.sequence_options()) {
    test_sequences = to_sequence(split.test, *options);
    data.test_sequences = &test_sequences;
  }
  nlohmann::json metrics = nlohmann::json::object();
  for (size_t i = 0; i < evaluators.size(); ++i) {
    for (const auto& metric : evaluators[i]->evaluate(model, data)) {
      if (metrics.contains(metric.name)) {
        throw ConfigError("evaluation." + std::to_string(i),
                          "metric \"" + metric.name + "\" is already produced by an earlier evaluator");
      }
      metrics[metric.name] = metric.value;
    }
  }
  return metrics;
}

void print_metrics(std::ostream& out, const nlohmann::json& metrics) {
  out << std::string(24, '-') << "\n";
  for (const auto& [metric, value] : metrics.items()) {
    std::string label = metric;
    label.resize(std::max<size_t>(label.size() + 1, 16), ' ');
    char number[32];
    std::snprintf(number, sizeof number, "%.4f", value.get<double>());
    out << label << number << "\n";
  }
  out << std::string(24, '-') << "\n";
}

}  // namespace spotlight
