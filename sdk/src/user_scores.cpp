#include "spotlight/sdk/user_scores.h"

#include <algorithm>
#include <iterator>
#include <string>

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/ranking.h"
#include "spotlight/sdk/scoring_workers.h"

namespace spotlight {

namespace {

std::string shape_of(const torch::Tensor& tensor) {
  std::string shape = "(";
  for (int64_t d = 0; d < tensor.dim(); ++d) shape += (d == 0 ? "" : ", ") + std::to_string(tensor.size(d));
  return shape + ")";
}

}  // namespace

std::vector<int64_t> users_with_test_items(const InteractionMatrix& test) {
  std::vector<int64_t> users;
  for (int64_t user = 0; user < test.num_users; ++user) {
    if (test.row_size(user) > 0) users.push_back(user);
  }
  return users;
}

void for_each_user_scores(Scorer& scorer, const InteractionMatrix& test, const std::vector<int64_t>& users,
                          const InteractionMatrix* train, int64_t batch_size, const UserScoresVisitor& visit) {
  if (batch_size < 1) throw Error("the evaluation batch size must be at least 1, got " + std::to_string(batch_size));
  const int64_t num_items = scorer.num_items();
  // Item ids index straight into the score rows, so an id the model does not score would read (or, for excluded
  // training items, write) past the end of a row.
  const int64_t data_items = std::max(test.num_items, train ? train->num_items : int64_t{0});
  if (data_items > num_items) {
    throw Error("the evaluation data has " + std::to_string(data_items) + " items but the model scores " +
                std::to_string(num_items));
  }

  // Rows are sorted, so repeated interactions with one item are adjacent.
  std::vector<int64_t> unique_offsets{0};
  std::vector<int64_t> unique_items;
  unique_offsets.reserve(users.size() + 1);
  for (int64_t user : users) {
    std::unique_copy(test.item_ids.begin() + test.row_begin(user), test.item_ids.begin() + test.row_end(user),
                     std::back_inserter(unique_items));
    unique_offsets.push_back(static_cast<int64_t>(unique_items.size()));
  }

  const auto batch = static_cast<size_t>(batch_size);
  const auto blocks = static_cast<int64_t>((users.size() + batch - 1) / batch);
  for_each_block(blocks, [&](int64_t block) {
    const size_t start = static_cast<size_t>(block) * batch;
    const size_t size = std::min(batch, users.size() - start);
    const auto rows = static_cast<int64_t>(size);
    // A copy, because from_blob wants writable memory and `users` is the caller's.
    std::vector<int64_t> batch_users(users.begin() + static_cast<std::ptrdiff_t>(start),
                                     users.begin() + static_cast<std::ptrdiff_t>(start + size));
    torch::Tensor scores = scorer.score_users(torch::from_blob(batch_users.data(), {rows}, torch::kInt64))
                               .to(torch::kCPU, torch::kFloat32)
                               .contiguous();
    if (scores.dim() != 2 || scores.size(0) != rows || scores.size(1) != num_items) {
      throw Error("the model returned scores of shape " + shape_of(scores) + " for " + std::to_string(rows) +
                  " users over " + std::to_string(num_items) + " items");
    }
    float* base = scores.data_ptr<float>();
    at::parallel_for(0, rows, 16, [&](int64_t begin, int64_t end) {
      for (int64_t offset = begin; offset < end; ++offset) {
        const size_t row = start + static_cast<size_t>(offset);
        const int64_t user = users[row];
        float* user_scores = base + offset * num_items;
        if (train && user < train->num_users) {
          push_to_bottom(user_scores, train->item_ids.data() + train->row_begin(user), train->row_size(user));
        }
        visit(static_cast<int64_t>(row), user, user_scores, num_items, unique_items.data() + unique_offsets[row],
              unique_offsets[row + 1] - unique_offsets[row]);
      }
    });
  });
}

}  // namespace spotlight
