#include "spotlight/sdk/nn/gather_rows.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "spotlight/sdk/errors.h"
#include "support/error_message.h"

namespace spotlight {
namespace {

// Rows gathered in any order, some more than once: the output is index_select's, and each row
// of the table's gradient is the sum of the output gradients of the places that read it.
TEST(GatherRows, GathersRowsAndAddsTheirGradients) {
  const auto table = torch::arange(12, torch::kFloat32).view({4, 3}).requires_grad_();
  const auto index = torch::tensor({2, 0, 2, 3, 2}, torch::kInt64);
  const auto out = nn::gather_rows(table, index);
  EXPECT_TRUE(torch::equal(out, table.detach().index_select(0, index)));
  const auto g = torch::arange(15, torch::kFloat32).view({5, 3});
  out.backward(g);
  // Row 2 is read by outputs 0, 2 and 4; row 0 by output 1; row 3 by output 3; row 1 by none.
  const auto expected = torch::tensor({{3.0f, 4.0f, 5.0f},
                                       {0.0f, 0.0f, 0.0f},
                                       {0.0f + 6.0f + 12.0f, 1.0f + 7.0f + 13.0f, 2.0f + 8.0f + 14.0f},
                                       {9.0f, 10.0f, 11.0f}});
  EXPECT_TRUE(torch::equal(table.grad(), expected));
}

TEST(GatherRows, OtherTypesGoToIndexSelect) {
  const auto table = torch::randn({5, 2}, torch::kFloat64);
  const auto index = torch::tensor({4, 1}, torch::kInt64);
  EXPECT_TRUE(torch::equal(nn::gather_rows(table, index), table.index_select(0, index)));
}

TEST(GatherRows, RefusesRowsOutsideTheTable) {
  EXPECT_EQ(testing::error_message<Error>(
                [] { nn::gather_rows(torch::zeros({4, 3}), torch::tensor({1, 4}, torch::kInt64)); }),
            "gather_rows: row 4 is outside the table's 4 rows");
  EXPECT_EQ(testing::error_message<Error>(
                [] { nn::gather_rows(torch::zeros({4, 3}), torch::tensor({1, 2}, torch::kInt32)); }),
            "gather_rows expects a (rows, dim) table and one int64 row number per output row, got table [4, 3] and "
            "index [2] of Int");
}

}  // namespace
}  // namespace spotlight
