#pragma once

#include <torch/types.h>

#include "spotlight/sdk/export.h"

namespace spotlight::nn {

// Every item's score for each state: states (rows, dim) . vectors (items, dim)^T + biases
// (items, 1; undefined for none), (rows, items). On CPU float32 tensors one autograd node over
// the tap-product kernels (nn/tap_products.h), whose sums run in the same order for every row,
// so a row's scores do not depend on the rows scored beside it; elsewhere LibTorch's product.
// The product reads `vectors` as (dim, items): pass the transpose of a contiguous (dim, items)
// tensor to spare a copy per call (a table scored many times over keeps one).
SPOTLIGHT_SDK_API torch::Tensor catalogue_scores(const torch::Tensor& states, const torch::Tensor& vectors,
                                                 const torch::Tensor& biases);

}  // namespace spotlight::nn
