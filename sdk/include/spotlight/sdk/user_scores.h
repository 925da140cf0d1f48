#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "spotlight/sdk/evaluator.h"
#include "spotlight/sdk/export.h"
#include "spotlight/sdk/interaction_matrix.h"

namespace spotlight {

// The per-user loop the ranking evaluators share: score users in batches, rank their training items last if
// asked, and hand each user's scores and test items to a metric.

// One evaluated user. `row` is the user's position in the `users` given to for_each_user_scores, so a metric can
// write per_user[row] without locking; `scores` are the user's scores over all `num_items` items, training items
// already at the bottom when they are excluded; `test_items` are the user's test items, unique and ascending
// (Spotlight ranks them as a set: its CSR matrix sums repeated interactions into one entry).
// Called from several threads at once (scoring workers and at::parallel_for), each with different rows.
using UserScoresVisitor = std::function<void(int64_t row, int64_t user_id, const float* scores, int64_t num_items,
                                             const int64_t* test_items, int64_t num_test_items)>;

// The users with at least one test item, ascending: the users a ranking evaluator reports on, in Spotlight's order.
SPOTLIGHT_SDK_API std::vector<int64_t> users_with_test_items(const InteractionMatrix& test);

// Visits every user in `users` (rows of `test`, normally users_with_test_items(test)), scoring `batch_size` users
// per Scorer::score_users call. When `train` is given, each user's training items are pushed to the bottom of
// the ranking first (push_to_bottom). Throws Error when the model scores fewer items than the data has or
// returns scores of the wrong shape; exceptions thrown by `visit` reach the caller.
SPOTLIGHT_SDK_API void for_each_user_scores(Scorer& scorer, const InteractionMatrix& test,
                                            const std::vector<int64_t>& users, const InteractionMatrix* train,
                                            int64_t batch_size, const UserScoresVisitor& visit);

}  // namespace spotlight
