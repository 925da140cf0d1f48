#include "spotlight/sdk/top_k_evaluator.h"

#include <algorithm>
#include <numeric>

#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/ranking.h"
#include "spotlight/sdk/sequence_scores.h"
#include "spotlight/sdk/user_scores.h"

namespace spotlight {

namespace {

std::vector<int64_t> read_cutoffs(const ComponentArgs& args) {
  const auto& k = args.values().at("k");
  auto cutoffs = k.is_array() ? k.get<std::vector<int64_t>>() : std::vector<int64_t>{k.get<int64_t>()};
  for (auto cutoff = cutoffs.begin(); cutoff != cutoffs.end(); ++cutoff) {
    if (std::find(cutoffs.begin(), cutoff, *cutoff) != cutoff) {
      args.fail("k", "lists " + std::to_string(*cutoff) + " more than once");
    }
  }
  return cutoffs;
}

}  // namespace

ParameterList top_k_parameters() {
  return {Parameter::integers("k", 10, "Length of the top list; a list gives metrics for each length").at_least(1),
          Parameter::boolean("exclude_train", true, "Rank the user's training items last"),
          Parameter::boolean("exclude_preceding", false, "Sequence models: rank the items of the sequence so far last"),
          Parameter::integer("batch_size", 128, "Users scored per batch").at_least(1)};
}

TopKEvaluator::TopKEvaluator(std::string name, const ComponentArgs& args)
    : name_(std::move(name)),
      cutoffs_(read_cutoffs(args)),
      exclude_train_(args.boolean("exclude_train")),
      exclude_preceding_(args.boolean("exclude_preceding")),
      batch_size_(args.integer("batch_size")) {}

TopKEvaluator::~TopKEvaluator() = default;

std::vector<Metric> TopKEvaluator::evaluate(Scorer& scorer, const EvaluationData& data) const {
  const bool sequences = scorer.user_input() == UserInput::item_history;
  const SequenceMatrix* test_sequences = sequences ? &test_sequences_for(name_, scorer, data) : nullptr;
  // Users with test items, or sequences with a next item.
  const auto evaluated = sequences ? sequences_with_targets(*test_sequences, 1) : users_with_test_items(*data.test);
  // Metrics in the order of the cutoffs, each cutoff's in the order metric_names gives.
  std::vector<Metric> metrics;
  std::vector<size_t> first_metric;
  for (int64_t cutoff : cutoffs_) {
    first_metric.push_back(metrics.size());
    for (auto& name : metric_names(cutoff)) {
      metrics.push_back({name, 0.0, std::vector<double>(evaluated.size()), evaluated});
    }
  }
  first_metric.push_back(metrics.size());
  const int64_t deepest = *std::max_element(cutoffs_.begin(), cutoffs_.end());
  auto measure_row = [&](int64_t row, const float* scores, int64_t num_items, const int64_t* test_items,
                         int64_t num_test_items) {
    const auto top = top_k(scores, num_items, deepest);
    std::vector<double> values;
    for (size_t i = 0; i < cutoffs_.size(); ++i) {
      values.assign(first_metric[i + 1] - first_metric[i], 0.0);
      measure(top, cutoffs_[i], test_items, num_test_items, values.data());
      for (size_t m = 0; m < values.size(); ++m) {
        metrics[first_metric[i] + m].per_user[static_cast<size_t>(row)] = values[m];
      }
    }
  };
  if (sequences) {
    for_each_sequence_scores(scorer, *test_sequences, evaluated, 1, exclude_preceding_, batch_size_, measure_row);
  } else {
    for_each_user_scores(scorer, *data.test, evaluated, exclude_train_ ? data.train : nullptr, batch_size_,
                         [&](int64_t row, int64_t, const float* scores, int64_t num_items, const int64_t* test_items,
                             int64_t num_test_items) {
                           measure_row(row, scores, num_items, test_items, num_test_items);
                         });
  }
  for (auto& metric : metrics) {
    const double total = std::accumulate(metric.per_user.begin(), metric.per_user.end(), 0.0);
    metric.value = evaluated.empty() ? 0.0 : total / static_cast<double>(evaluated.size());
  }
  return metrics;
}

}  // namespace spotlight
