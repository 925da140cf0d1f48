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

// For each of `Width` target scores, the items scoring above it and the items scoring the
// same (the target among them), in one branch-free pass over the scores: the inner loop runs
// across the targets, so the compiler keeps them in vector registers (8 lanes each with AVX2,
// 16 with AVX-512). A NaN target matches nothing.
template <int Width>
[[gnu::always_inline]] inline void count_above_and_tied(const float* scores, int64_t num_items, const float* targets,
                                                        int32_t* above, int32_t* tied) {
  int32_t better[Width] = {}, same[Width] = {};
  for (int64_t item = 0; item < num_items; ++item) {
    const float score = scores[item];
    for (int k = 0; k < Width; ++k) {
      better[k] += score > targets[k];
      same[k] += score == targets[k];
    }
  }
  for (int k = 0; k < Width; ++k) {
    above[k] = better[k];
    tied[k] = same[k];
  }
}

// One clone set per width: a pass costs about one vector compare pair per 8 (or 16) targets
// per item, so a user with 5 test items pays for 8 lanes, not 32.
#define SPOTLIGHT_COUNT_PASS(width)                                                                       \
  SPOTLIGHT_VECTOR_CLONES                                                                                 \
  void count_##width(const float* scores, int64_t n, const float* targets, int32_t* above, int32_t* tied) { \
    count_above_and_tied<width>(scores, n, targets, above, tied);                                         \
  }
SPOTLIGHT_COUNT_PASS(8)
SPOTLIGHT_COUNT_PASS(16)
SPOTLIGHT_COUNT_PASS(24)
SPOTLIGHT_COUNT_PASS(32)
#undef SPOTLIGHT_COUNT_PASS

constexpr int64_t kWidestPass = 32;

}  // namespace

std::vector<double> average_ranks(const float* scores, int64_t num_items, const int64_t* targets, int64_t num_targets) {
  std::vector<double> ranks(static_cast<size_t>(num_targets));
  for (int64_t first = 0; first < num_targets; first += kWidestPass) {
    const int64_t count = std::min(kWidestPass, num_targets - first);
    float block[kWidestPass];
    std::fill(block, block + kWidestPass, std::numeric_limits<float>::quiet_NaN());
    for (int64_t k = 0; k < count; ++k) block[k] = scores[targets[first + k]];
    int32_t above[kWidestPass], tied[kWidestPass];  // tied includes the target itself
    switch ((count + 7) / 8) {
      case 1: count_8(scores, num_items, block, above, tied); break;
      case 2: count_16(scores, num_items, block, above, tied); break;
      case 3: count_24(scores, num_items, block, above, tied); break;
      default: count_32(scores, num_items, block, above, tied); break;
    }
    for (int64_t k = 0; k < count; ++k) {
      ranks[static_cast<size_t>(first + k)] = static_cast<double>(above[k]) + (static_cast<double>(tied[k]) + 1.0) / 2.0;
    }
  }
  return ranks;
}

std::vector<int64_t> top_k(const float* scores, int64_t num_items, int64_t k) {
  k = std::max<int64_t>(0, std::min(k, num_items));
  auto better = [scores](int64_t a, int64_t b) { return scores[a] > scores[b] || (scores[a] == scores[b] && a < b); };
  if (k > 64 || k * 16 > num_items) {
    std::vector<int64_t> items(static_cast<size_t>(num_items));
    std::iota(items.begin(), items.end(), int64_t{0});
    std::partial_sort(items.begin(), items.begin() + k, items.end(), better);
    items.resize(static_cast<size_t>(k));
    return items;
  }
  // A short list kept best first, filled in one pass over the scores: items come in
  // ascending id, so a newcomer displaces the worst kept item only with a strictly higher
  // score (a tie goes to the lower id, already kept). Most scores fail the one comparison
  // with the worst kept score, so the pass runs at the speed of reading the scores.
  std::vector<int64_t> best;
  best.reserve(static_cast<size_t>(k) + 1);
  for (int64_t item = 0; item < num_items; ++item) {
    if (static_cast<int64_t>(best.size()) == k && !(scores[item] > scores[best.back()])) continue;
    auto at = best.end();
    while (at != best.begin() && better(item, *(at - 1))) --at;
    best.insert(at, item);
    if (static_cast<int64_t>(best.size()) > k) best.pop_back();
  }
  return best;
}

}  // namespace spotlight
