#include "spotlight/framework/training/minibatch_parts.h"

namespace spotlight {

std::vector<int64_t> balanced_part_bounds(const std::vector<int64_t>& work, int64_t parts) {
  const auto count = static_cast<int64_t>(work.size());
  std::vector<int64_t> prefix(work.size() + 1, 0);  // prefix[i]: the work of sequences [0, i)
  for (int64_t s = 0; s < count; ++s) prefix[s + 1] = prefix[s] + work[s];
  const int64_t total = prefix.back();
  std::vector<int64_t> bounds(static_cast<size_t>(parts) + 1, count);
  bounds[0] = 0;
  for (int64_t p = 1; p < parts; ++p) {
    if (total == 0) {
      bounds[p] = p * count / parts;
      continue;
    }
    const double target = static_cast<double>(total) * static_cast<double>(p) / static_cast<double>(parts);
    // The first boundary at or past the target, or the one before it when that is closer.
    int64_t at = bounds[p - 1];
    while (at < count && static_cast<double>(prefix[at]) < target) ++at;
    if (at > bounds[p - 1] && target - static_cast<double>(prefix[at - 1]) < static_cast<double>(prefix[at]) - target) {
      --at;
    }
    bounds[p] = at;
  }
  return bounds;
}

}  // namespace spotlight
