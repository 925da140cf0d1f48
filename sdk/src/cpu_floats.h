#pragma once

#include <torch/types.h>

namespace spotlight::nn {

// Whether the SDK's own loops can read `tensor`: a float32 tensor in CPU memory. Other devices
// and types take LibTorch's operators.
inline bool cpu_floats(const torch::Tensor& tensor) {
  return tensor.device().is_cpu() && tensor.scalar_type() == torch::kFloat32;
}

}  // namespace spotlight::nn
