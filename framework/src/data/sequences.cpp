#include "spotlight/framework/data/sequences.h"

#include <algorithm>
#include <numeric>

#include "spotlight/framework/data/memory_budget.h"
#include "spotlight/sdk/errors.h"

namespace spotlight {

SequenceMatrix to_sequence(const Interactions& interactions, const SequenceOptions& options) {
  const int64_t length = options.max_length;
  const int64_t step = options.step_size.value_or(length);
  if (length < 1) throw DataError("to_sequence: max_length must be positive");
  if (step < 1) throw DataError("to_sequence: step_size must be positive");
  if (options.min_length && (*options.min_length < 1 || *options.min_length > length)) {
    throw DataError("to_sequence: min_length must be from 1 to max_length (" + std::to_string(length) + ")");
  }
  if (interactions.timestamps.empty()) {
    throw DataError("to_sequence needs timestamps; this dataset has none (a csv dataset reads them from "
                    "timestamp_column, or from the row order with rows_in_time_order)");
  }
  const auto zero = std::find(interactions.item_ids.begin(), interactions.item_ids.end(), 0);
  if (zero != interactions.item_ids.end()) {
    throw DataError("to_sequence: row " + std::to_string(zero - interactions.item_ids.begin()) +
                    ": item id 0 is the padding id of sequences and cannot be a real item");
  }

  std::vector<size_t> order(interactions.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (interactions.user_ids[a] != interactions.user_ids[b]) return interactions.user_ids[a] < interactions.user_ids[b];
    return interactions.timestamps[a] < interactions.timestamps[b];
  });

  // The windows are counted first, so the matrix is allocated once and its size checked:
  // max_length and step_size come from the user, and windows x length can be anything.
  const auto for_each_user = [&](auto&& visit) {
    for (size_t begin = 0; begin < order.size();) {
      size_t end = begin;
      while (end < order.size() && interactions.user_ids[order[end]] == interactions.user_ids[order[begin]]) ++end;
      visit(begin, end);
      begin = end;
    }
  };
  uint64_t windows = 0;
  for_each_user([&](size_t begin, size_t end) {
    for (auto window_end = static_cast<int64_t>(end - begin); window_end > 0; window_end -= step) {
      const int64_t count = window_end - std::max<int64_t>(window_end - length, 0);
      if (!options.min_length || count >= *options.min_length) ++windows;
    }
  });
  require_memory("sequences: " + std::to_string(windows) + " windows of " + std::to_string(length) + " items",
                 {windows, static_cast<uint64_t>(length),
                  sizeof(int64_t) + (interactions.weights.empty() ? 0 : sizeof(float))});

  SequenceMatrix sequences;
  sequences.num_items = interactions.num_items;
  sequences.length = length;
  sequences.item_ids.reserve(static_cast<size_t>(windows * static_cast<uint64_t>(length)));
  sequences.user_ids.reserve(static_cast<size_t>(windows));
  const bool weighted = !interactions.weights.empty();
  if (weighted) sequences.weights.reserve(sequences.item_ids.capacity());
  for_each_user([&](size_t begin, size_t end) {
    // Windows end at the newest item, then every `step` items further back.
    for (auto window_end = static_cast<int64_t>(end - begin); window_end > 0; window_end -= step) {
      const int64_t window_begin = std::max<int64_t>(window_end - length, 0);
      const int64_t count = window_end - window_begin;
      if (options.min_length && count < *options.min_length) continue;
      sequences.item_ids.resize(sequences.item_ids.size() + static_cast<size_t>(length), 0);
      int64_t* row = sequences.item_ids.data() + sequences.item_ids.size() - static_cast<size_t>(length);
      for (int64_t i = 0; i < count; ++i) {
        row[length - count + i] = interactions.item_ids[order[begin + static_cast<size_t>(window_begin + i)]];
      }
      if (weighted) {
        sequences.weights.resize(sequences.item_ids.size(), 0.0f);
        float* weights = sequences.weights.data() + sequences.weights.size() - static_cast<size_t>(length);
        for (int64_t i = 0; i < count; ++i) {
          weights[length - count + i] = interactions.weights[order[begin + static_cast<size_t>(window_begin + i)]];
        }
      }
      sequences.user_ids.push_back(interactions.user_ids[order[begin]]);
    }
  });
  return sequences;
}

void reserve_padding_item(Interactions& interactions) {
  if (interactions.items.empty()) return;
  for (auto& item : interactions.item_ids) ++item;
  ++interactions.num_items;
  interactions.items.raw_ids.insert(interactions.items.raw_ids.begin(), std::string());
}

}  // namespace spotlight
