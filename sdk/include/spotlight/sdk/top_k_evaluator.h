#pragma once

#include <string>
#include <vector>

#include "spotlight/sdk/component_args.h"
#include "spotlight/sdk/evaluator.h"
#include "spotlight/sdk/export.h"
#include "spotlight/sdk/parameters.h"

namespace spotlight {

// The ranking evaluators that report metrics at cutoffs K (precision and recall, NDCG, hit
// rate) share everything but their per-user arithmetic: the parameters, batched scoring,
// one partial sort per user for the deepest cutoff, and the means over users. A subclass
// names its metrics and measures one user at one cutoff.
// For a model that scores item sequences, the same metrics rank the next item: each test
// sequence's last item is the one test item of its prefix (evaluated per sequence).
class SPOTLIGHT_SDK_API TopKEvaluator : public Evaluator {
 public:
  ~TopKEvaluator() override;
  std::vector<Metric> evaluate(Scorer& scorer, const EvaluationData& data) const final;

 protected:
  // Reads the parameters top_k_parameters() declares; a cutoff listed twice is a
  // ConfigError (two metrics would share a name in metrics.json).
  TopKEvaluator(std::string name, const ComponentArgs& args);

  // The metrics reported at one cutoff, e.g. {"precision@10", "recall@10"}.
  virtual std::vector<std::string> metric_names(int64_t cutoff) const = 0;
  // Writes one value per metric_names(cutoff) entry for one user. `top` holds the user's best
  // items, best first, at least `cutoff` long unless the catalogue is shorter (ties go to the
  // lower id, so every shorter top list is a prefix of it); `test_items` are unique, ascending.
  virtual void measure(const std::vector<int64_t>& top, int64_t cutoff, const int64_t* test_items,
                       int64_t num_test_items, double* values) const = 0;

 private:
  std::string name_;
  std::vector<int64_t> cutoffs_;
  bool exclude_train_;
  bool exclude_preceding_;
  int64_t batch_size_;
};

// The parameters of every TopKEvaluator, for its plugin's schema.
SPOTLIGHT_SDK_API ParameterList top_k_parameters();

}  // namespace spotlight
