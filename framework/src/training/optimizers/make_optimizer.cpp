#include "spotlight/framework/training/optimizer.h"

#include "src/training/optimizers/fused_optimizers.h"

namespace spotlight {

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const nlohmann::json& config,
                                                        std::vector<torch::Tensor> parameters) {
  const std::string type = config.at("type").get<std::string>();
  const double learning_rate = config.at("learning_rate").get<double>();
  const double l2 = config.at("l2").get<double>();
  if (type == "sgd") {
    auto options = torch::optim::SGDOptions(learning_rate)
                       .weight_decay(l2)
                       .momentum(config.at("momentum").get<double>())
                       .dampening(config.at("dampening").get<double>())
                       .nesterov(config.at("nesterov").get<bool>());
    return std::make_unique<FusedSgd>(std::move(parameters), options);
  }
  if (type == "adagrad") {
    auto options = torch::optim::AdagradOptions(learning_rate)
                       .weight_decay(l2)
                       .lr_decay(config.at("lr_decay").get<double>())
                       .initial_accumulator_value(config.at("initial_accumulator_value").get<double>())
                       .eps(config.at("eps").get<double>());
    return std::make_unique<FusedAdagrad>(std::move(parameters), options);
  }
  auto options = torch::optim::AdamOptions(learning_rate)
                     .weight_decay(l2)
                     .betas({config.at("beta1").get<double>(), config.at("beta2").get<double>()})
                     .eps(config.at("eps").get<double>())
                     .amsgrad(config.at("amsgrad").get<bool>());
  return std::make_unique<FusedAdam>(std::move(parameters), options);
}

}  // namespace spotlight
