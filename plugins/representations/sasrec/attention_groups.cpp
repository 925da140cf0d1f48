#include "attention_groups.h"

#include <algorithm>
#include <limits>
#include <numeric>

AttentionGroups group_sequences(const std::vector<int64_t>& lengths, const torch::Tensor& row_is_key,
                                torch::ScalarType score_type, double min_fill) {
  const int64_t count = static_cast<int64_t>(lengths.size());
  std::vector<int64_t> offsets(lengths.size() + 1, 0);
  std::partial_sum(lengths.begin(), lengths.end(), offsets.begin() + 1);
  const int64_t total = offsets.back();
  std::vector<int64_t> by_length(lengths.size());
  std::iota(by_length.begin(), by_length.end(), 0);
  std::stable_sort(by_length.begin(), by_length.end(),
                   [&](int64_t a, int64_t b) { return lengths[static_cast<size_t>(a)] > lengths[static_cast<size_t>(b)]; });

  const auto device = row_is_key.device();
  const auto index_options = torch::TensorOptions().dtype(torch::kInt64);
  // One more row, never a key, for the slots past a sequence's end.
  const auto keys = torch::cat({row_is_key, torch::zeros({1}, row_is_key.options())});
  AttentionGroups result;
  std::vector<int64_t> slots;  // every group's rows, in group order
  std::vector<int64_t> back(static_cast<size_t>(total));
  for (int64_t first = 0; first < count;) {
    const int64_t width = lengths[static_cast<size_t>(by_length[static_cast<size_t>(first)])];
    int64_t last = first + 1;
    while (last < count && static_cast<double>(lengths[static_cast<size_t>(by_length[static_cast<size_t>(last)])]) >=
                               min_fill * static_cast<double>(width)) {
      ++last;
    }
    AttentionGroup group;
    group.sequences = last - first;
    group.width = width;
    const auto first_slot = static_cast<int64_t>(slots.size());
    std::vector<int64_t> rows(static_cast<size_t>(group.sequences * width), total);
    for (int64_t g = 0; g < group.sequences; ++g) {
      const auto s = static_cast<size_t>(by_length[static_cast<size_t>(first + g)]);
      for (int64_t r = 0; r < lengths[s]; ++r) {
        rows[static_cast<size_t>(g * width + r)] = offsets[s] + r;
        back[static_cast<size_t>(offsets[s] + r)] = first_slot + g * width + r;
      }
    }
    slots.insert(slots.end(), rows.begin(), rows.end());
    result.slot_counts.push_back(group.sequences * width);
    const auto later = torch::ones({width, width}, keys.options()).triu(1);
    const auto slot_is_key =
        keys.index_select(0, torch::tensor(rows, index_options).to(device)).view({group.sequences, 1, width});
    const auto masked = later.unsqueeze(0).logical_or(slot_is_key.logical_not()).unsqueeze(1);
    group.mask = torch::zeros(masked.sizes(), torch::TensorOptions().dtype(score_type).device(device))
                     .masked_fill_(masked, -std::numeric_limits<double>::infinity());
    result.groups.push_back(std::move(group));
    first = last;
  }
  result.slots = torch::tensor(slots, index_options).to(device);
  result.back = torch::tensor(back, index_options).to(device);
  return result;
}
