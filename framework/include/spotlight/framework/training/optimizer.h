#pragma once

#include <memory>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/optim/optimizer.h>

namespace spotlight {

// Builds the optimizer a validated `model.optimizer` section describes.
std::unique_ptr<torch::optim::Optimizer> make_optimizer(const nlohmann::json& config,
                                                        std::vector<torch::Tensor> parameters);

}  // namespace spotlight
