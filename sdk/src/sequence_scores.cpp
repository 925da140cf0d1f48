#include "spotlight/sdk/sequence_scores.h"

#include <algorithm>
#include <string>

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/ranking.h"
#include "spotlight/sdk/scoring_workers.h"

namespace spotlight {

std::vector<int64_t> sequences_with_targets(const SequenceMatrix& sequences, int64_t num_targets) {
  std::vector<int64_t> rows;
  const int64_t first_target = std::max<int64_t>(sequences.length - num_targets, 0);
  for (int64_t row = 0; row < sequences.num_sequences(); ++row) {
    const int64_t* items = sequences.row(row);
    if (std::any_of(items + first_target, items + sequences.length, [](int64_t item) { return item != 0; })) {
      rows.push_back(row);
    }
  }
  return rows;
}

void for_each_sequence_scores(Scorer& scorer, const SequenceMatrix& sequences, const std::vector<int64_t>& rows,
                              int64_t num_targets, bool exclude_preceding, int64_t batch_size,
                              const SequenceScoresVisitor& visit) {
  if (batch_size < 1) throw Error("the evaluation batch size must be at least 1, got " + std::to_string(batch_size));
  const int64_t prefix = sequences.length - num_targets;
  if (num_targets < 1 || prefix < 1) {
    throw Error("cannot hold out the last " + std::to_string(num_targets) + " items of sequences of length " +
                std::to_string(sequences.length) + ": no items would be left to predict from");
  }
  const int64_t num_items = scorer.num_items();
  const auto highest = std::max_element(sequences.item_ids.begin(), sequences.item_ids.end());
  if (highest != sequences.item_ids.end() && *highest >= num_items) {
    throw Error("the test sequences hold item " + std::to_string(*highest) + " but the model scores " +
                std::to_string(num_items) + " items");
  }
  const auto batch = static_cast<size_t>(batch_size);
  const auto blocks = static_cast<int64_t>((rows.size() + batch - 1) / batch);
  for_each_block(blocks, [&](int64_t block) {
    const size_t start = static_cast<size_t>(block) * batch;
    const size_t size = std::min(batch, rows.size() - start);
    std::vector<int64_t> prefixes;
    prefixes.reserve(size * static_cast<size_t>(prefix));
    for (size_t i = start; i < start + size; ++i) {
      const int64_t* items = sequences.row(rows[i]);
      prefixes.insert(prefixes.end(), items, items + prefix);
    }
    const auto count = static_cast<int64_t>(size);
    torch::Tensor scores =
        scorer.score_sequences(torch::from_blob(prefixes.data(), {count, prefix}, torch::kInt64))
            .to(torch::kCPU, torch::kFloat32)
            .contiguous();
    if (scores.dim() != 2 || scores.size(0) != count || scores.size(1) != num_items) {
      throw Error("the model returned scores of shape " + c10::str(scores.sizes()) + " for " +
                  std::to_string(count) + " sequences over " + std::to_string(num_items) + " items");
    }
    float* base = scores.data_ptr<float>();
    at::parallel_for(0, count, 16, [&](int64_t begin, int64_t end) {
      std::vector<int64_t> targets;
      for (int64_t offset = begin; offset < end; ++offset) {
        const size_t index = start + static_cast<size_t>(offset);
        const int64_t* items = sequences.row(rows[index]);
        float* row_scores = base + offset * num_items;
        if (exclude_preceding) push_to_bottom(row_scores, items, prefix);
        targets.clear();
        for (int64_t t = prefix; t < sequences.length; ++t) {
          if (items[t] != 0) targets.push_back(items[t]);
        }
        std::sort(targets.begin(), targets.end());
        targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
        visit(static_cast<int64_t>(index), row_scores, num_items, targets.data(),
              static_cast<int64_t>(targets.size()));
      }
    });
  });
}

const SequenceMatrix& test_sequences_for(const std::string& evaluator, Scorer& scorer, const EvaluationData& data) {
  if (scorer.user_input() != UserInput::item_history) {
    throw Error(evaluator + " needs a model that scores item sequences (model.type implicit_sequence)");
  }
  if (data.test_sequences == nullptr || data.test_sequences->num_sequences() == 0) {
    throw DataError(evaluator + ": there are no test sequences; lower sequence.min_length or hold out more data");
  }
  return *data.test_sequences;
}

}  // namespace spotlight
