#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "spotlight/sdk/evaluator.h"
#include "spotlight/sdk/export.h"
#include "spotlight/sdk/interaction_matrix.h"

namespace spotlight {

// The per-sequence loop the sequence evaluators share (Spotlight's sequence_mrr_score and
// sequence_precision_recall_score): each test sequence is cut into a prefix and its last
// `num_targets` items; the model scores every item as the next one after the prefix.

// One evaluated sequence. `row` indexes the rows given to for_each_sequence_scores, so a metric can write
// per_row[row] without locking; `scores` are over all `num_items` items, the prefix's items already at the
// bottom when they are excluded; `targets` are the distinct non-padding target items, ascending.
// Called from several threads at once (scoring workers and at::parallel_for), each with different rows.
using SequenceScoresVisitor = std::function<void(int64_t row, const float* scores, int64_t num_items,
                                                 const int64_t* targets, int64_t num_targets)>;

// The rows of `sequences` whose last `num_targets` items hold at least one real item (every row that
// to_sequence makes): the rows a sequence evaluator reports on, in order.
SPOTLIGHT_SDK_API std::vector<int64_t> sequences_with_targets(const SequenceMatrix& sequences, int64_t num_targets);

// Visits `rows` of `sequences`, scoring `batch_size` prefixes per Scorer::score_sequences call. With
// `exclude_preceding`, the items of the prefix rank last (Spotlight's exclude_preceding). Throws Error when
// num_targets leaves no prefix, when the sequences hold items the model does not score, or when the model
// returns scores of the wrong shape; exceptions thrown by `visit` reach the caller.
SPOTLIGHT_SDK_API void for_each_sequence_scores(Scorer& scorer, const SequenceMatrix& sequences,
                                                const std::vector<int64_t>& rows, int64_t num_targets,
                                                bool exclude_preceding, int64_t batch_size,
                                                const SequenceScoresVisitor& visit);

// The test sequences of `data`, or an Error naming `evaluator` when the model does not score sequences
// or there are none.
SPOTLIGHT_SDK_API const SequenceMatrix& test_sequences_for(const std::string& evaluator, Scorer& scorer,
                                                           const EvaluationData& data);

}  // namespace spotlight
