#pragma once

#include <torch/types.h>

#include "spotlight/sdk/export.h"

namespace spotlight::nn {

// table.index_select(0, index) for a (rows, dim) table and int64 row numbers, each of which must
// lie in [0, rows). On CPU float32 one autograd node whose backward pass adds each gathered
// row's gradient into a dense table gradient in one loop, where LibTorch 1.13's index_select
// backward (index_add_) goes row by row through tensor operations (0.16 ms for the 2,600
// position rows of a sasrec minibatch). Elsewhere, index_select.
SPOTLIGHT_SDK_API torch::Tensor gather_rows(const torch::Tensor& table, const torch::Tensor& index);

}  // namespace spotlight::nn
