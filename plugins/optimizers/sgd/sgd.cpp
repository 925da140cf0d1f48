// sgd: LibTorch's SGD (momentum, dampening, Nesterov) with its step fused into one pass over
// each parameter (sgd_loop). FusedSgd keeps LibTorch's state objects and keys, so its
// checkpoints are the plain optimizer's and load into either. Sparse gradients take
// LibTorch's own step, which applies them.
#include <memory>
#include <vector>

#include <torch/optim/sgd.h>
#include <torch/types.h>

#include "../fused_step.h"
#include "../optimizer_parameters.h"
#include "sgd_loop.h"
#include "spotlight/sdk/optimizer.h"
#include "spotlight/sdk/plugin.h"

namespace {

namespace fused = spotlight::plugins::fused;

// The fused loop runs when every parameter with a gradient is a contiguous float32 CPU tensor
// with a dense contiguous gradient; anything else (sparse rows, a GPU, a closure) takes
// LibTorch's step.
class FusedSgd : public torch::optim::SGD {
 public:
  using torch::optim::SGD::SGD;

  torch::Tensor step(LossClosure closure = nullptr) override {
    if (closure || !fused::fusable(param_groups_, false)) return torch::optim::SGD::step(std::move(closure));
    torch::NoGradGuard no_grad;
    for (auto& group : param_groups_) {
      const auto& options = static_cast<const torch::optim::SGDOptions&>(group.options());
      for (auto& parameter : group.params()) {
        if (!parameter.grad().defined()) continue;
        sgd_loop::Step step{static_cast<float>(options.lr()),
                            static_cast<float>(options.weight_decay()),
                            static_cast<float>(options.momentum()),
                            static_cast<float>(options.dampening()),
                            options.nesterov(),
                            false};
        float* buffer = nullptr;
        if (options.momentum() != 0) {
          auto& state = fused::state_of<torch::optim::SGDParamState>(state_, parameter, [&] {
            // the buffer starts as the first gradient, as LibTorch's clone() does
            auto fresh = std::make_unique<torch::optim::SGDParamState>();
            fresh->momentum_buffer(torch::empty_like(parameter, torch::MemoryFormat::Preserve));
            step.first = true;
            return fresh;
          });
          buffer = fused::state_data(state.momentum_buffer());
        }
        float* values = parameter.data_ptr<float>();
        const float* gradient = parameter.grad().data_ptr<float>();
        fused::in_chunks(parameter.numel(), [&](int64_t begin, int64_t count) {
          sgd_loop::update(values + begin, gradient + begin, buffer ? buffer + begin : nullptr, count, step);
        });
      }
    }
    return {};
  }
};

class SgdOptimizer : public spotlight::Optimizer {
 public:
  explicit SgdOptimizer(torch::optim::SGDOptions options) : options_(std::move(options)) {}

  std::unique_ptr<torch::optim::Optimizer> create(std::vector<torch::Tensor> parameters) const override {
    return std::make_unique<FusedSgd>(std::move(parameters), options_);
  }
  bool takes_sparse_gradients() const override { return true; }

 private:
  torch::optim::SGDOptions options_;
};

std::shared_ptr<SgdOptimizer> make_sgd(const spotlight::ComponentArgs& args) {
  return std::make_shared<SgdOptimizer>(torch::optim::SGDOptions(args.number("learning_rate"))
                                            .weight_decay(args.number("l2"))
                                            .momentum(args.number("momentum"))
                                            .dampening(args.number("dampening"))
                                            .nesterov(args.boolean("nesterov")));
}

spotlight::ParameterList sgd_parameters() {
  using spotlight::Parameter;
  return {Parameter::number("momentum", 0.0, "Momentum factor").at_least(0),
          Parameter::number("dampening", 0.0, "Dampening of momentum").at_least(0),
          Parameter::boolean("nesterov", false, "Nesterov momentum")};
}

}  // namespace

SPOTLIGHT_PLUGIN(SgdOptimizer, make_sgd, "sgd", "1.0.0",
                 "Stochastic gradient descent with momentum (LibTorch's, fused into one pass per parameter); takes "
                 "sparse gradients",
                 spotlight::schema(spotlight::plugins::optimizer_parameters(), sgd_parameters()))
