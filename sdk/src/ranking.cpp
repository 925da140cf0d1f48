#include "spotlight/sdk/ranking.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "spotlight/sdk/vector_clones.h"

namespace spotlight {

void push_to_bottom(float* scores, const int64_t* items, int64_t count) {
  for (int64_t i = 0; i < count; ++i) scores[items[i]] = std::numeric_limits<float>::lowest();
}

namespace {

// Items scoring above `target`, and items scoring the same (the target among them), in one
// branch-free pass the compiler vectorises (32-bit counts: 16 lanes with AVX-512).
SPOTLIGHT_VECTOR_CLONES
void count_above_and_tied(const float* scores, int64_t num_items, float target, int64_t* above, int64_t* tied) {
  int32_t better = 0, same = 0;
  for (int64_t item = 0; item < num_items; ++item) {
    better += scores[item] > target;
    same += scores[item] == target;
  }
  *above = better;
  *tied = same;
}

// The few-targets case (almost every user): one pass over the scores per target; faster
// than the binary searches below until ~32 targets.
std::vector<double> average_ranks_by_counting(const float* scores, int64_t num_items, const int64_t* targets,
                                              int64_t num_targets) {
  std::vector<double> ranks(static_cast<size_t>(num_targets));
  for (int64_t k = 0; k < num_targets; ++k) {
    int64_t better = 0, tied = 0;  // tied includes the target itself
    count_above_and_tied(scores, num_items, scores[targets[k]], &better, &tied);
    ranks[static_cast<size_t>(k)] = static_cast<double>(better) + (static_cast<double>(tied) + 1.0) / 2.0;
  }
  return ranks;
}

}  // namespace

std::vector<double> average_ranks(const float* scores, int64_t num_items, const int64_t* targets, int64_t num_targets) {
  if (num_targets <= 32) return average_ranks_by_counting(scores, num_items, targets, num_targets);
  const auto t = static_cast<size_t>(num_targets);
  std::vector<float> sorted(t);
  for (size_t k = 0; k < t; ++k) sorted[k] = scores[targets[k]];
  std::sort(sorted.begin(), sorted.end());
  // For each item, the sorted targets scoring below it gain one "better item"; those
  // scoring the same gain one tie. Accumulated with difference arrays over sorted targets.
  std::vector<int64_t> better(t + 1, 0), tied(t + 1, 0);
  for (int64_t item = 0; item < num_items; ++item) {
    const float score = scores[item];
    const auto low = static_cast<size_t>(std::lower_bound(sorted.begin(), sorted.end(), score) - sorted.begin());
    const auto high = static_cast<size_t>(std::upper_bound(sorted.begin() + static_cast<std::ptrdiff_t>(low), sorted.end(), score) - sorted.begin());
    better[0] += 1;
    better[low] -= 1;
    tied[low] += 1;
    tied[high] -= 1;
  }
  std::vector<double> by_sorted(t);
  int64_t running_better = 0, running_tied = 0;
  for (size_t k = 0; k < t; ++k) {
    running_better += better[k];
    running_tied += tied[k];
    by_sorted[k] = static_cast<double>(running_better) + (static_cast<double>(running_tied) + 1.0) / 2.0;
  }
  std::vector<double> ranks(t);
  for (size_t k = 0; k < t; ++k) {
    const float score = scores[targets[k]];
    const auto position = static_cast<size_t>(std::lower_bound(sorted.begin(), sorted.end(), score) - sorted.begin());
    ranks[k] = by_sorted[position];
  }
  return ranks;
}

std::vector<int64_t> top_k(const float* scores, int64_t num_items, int64_t k) {
  k = std::min(k, num_items);
  std::vector<int64_t> items(static_cast<size_t>(num_items));
  std::iota(items.begin(), items.end(), int64_t{0});
  auto better = [scores](int64_t a, int64_t b) { return scores[a] > scores[b] || (scores[a] == scores[b] && a < b); };
  std::partial_sort(items.begin(), items.begin() + k, items.end(), better);
  items.resize(static_cast<size_t>(k));
  return items;
}

}  // namespace spotlight
