#pragma once

#include <string>

#include <torch/types.h>

namespace spotlight {

// The torch device for `model.device`; a clear error when CUDA is asked for but absent.
torch::Device resolve_device(const std::string& name);

}  // namespace spotlight
