#pragma once

#include <string>
#include <vector>

#include <torch/types.h>

#include "spotlight/sdk/component.h"
#include "spotlight/sdk/export.h"
#include "spotlight/sdk/interaction_matrix.h"
#include "spotlight/sdk/user_input.h"

namespace spotlight {

// The trained model as evaluators see it. Implemented by the host; its calls may come from
// several threads at once (the scoring workers of scoring_workers.h).
class SPOTLIGHT_SDK_API Scorer {
 public:
  virtual ~Scorer();
  virtual int64_t num_users() const = 0;
  virtual int64_t num_items() const = 0;
  // ids: score_users and score_pairs work; item_history: score_sequences works.
  virtual UserInput user_input() const = 0;
  // (batch) user ids -> (batch, num_items) float scores, on the CPU.
  virtual torch::Tensor score_users(const torch::Tensor& user_ids) = 0;
  // (batch, length) left-padded histories -> (batch, num_items) scores of the next item.
  virtual torch::Tensor score_sequences(const torch::Tensor& item_sequences) = 0;
  // (n) users x (n) items -> (n) scores (ratings for explicit models).
  virtual torch::Tensor score_pairs(const torch::Tensor& user_ids, const torch::Tensor& item_ids) = 0;
};

// What the evaluators get: the held-out interactions, the training interactions (to
// exclude known items) and, for sequence models, the held-out sequences.
struct EvaluationData {
  const InteractionMatrix* test = nullptr;
  const InteractionMatrix* train = nullptr;
  const SequenceMatrix* test_sequences = nullptr;
};

struct Metric {
  std::string name;                // "mrr", "precision@10": the key in metrics.json
  double value = 0.0;              // the mean over evaluated users (or sequences, or interactions for rmse)
  std::vector<double> per_user;    // one value per evaluated user, in evaluated order; empty for per-interaction ones
  std::vector<int64_t> user_ids;   // which users (or sequence rows) per_user refers to
};

class SPOTLIGHT_SDK_API Evaluator : public Component {
 public:
  ~Evaluator() override;
  static constexpr ComponentKind component_kind = ComponentKind::evaluator;
  ComponentKind kind() const final { return component_kind; }

  virtual std::vector<Metric> evaluate(Scorer& scorer, const EvaluationData& data) const = 0;
};

}  // namespace spotlight
