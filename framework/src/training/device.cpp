#include "src/training/device.h"

#include <torch/cuda.h>

#include "spotlight/sdk/errors.h"

namespace spotlight {

torch::Device resolve_device(const std::string& name) {
  if (name == "cuda") {
    if (!torch::cuda::is_available()) {
      throw ConfigError("model.device", "\"cuda\" was requested, but this LibTorch build has no CUDA support or no GPU "
                                        "is visible; use \"cpu\"");
    }
    return torch::Device(torch::kCUDA);
  }
  return torch::Device(torch::kCPU);
}

}  // namespace spotlight
