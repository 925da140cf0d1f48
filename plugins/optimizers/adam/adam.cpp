// adam: LibTorch's Adam with its step fused into one pass over each parameter (adam_loop)
// instead of five to ten tensor operations. FusedAdam keeps LibTorch's state objects and keys,
// so its checkpoints are the plain optimizer's and load into either. It takes no sparse
// gradients (neither does LibTorch's Adam): the host refuses them by this plugin's name.
#include <cmath>
#include <memory>
#include <vector>

#include <torch/optim/adam.h>
#include <torch/types.h>

#include "../fused_step.h"
#include "../optimizer_parameters.h"
#include "adam_loop.h"
#include "spotlight/sdk/optimizer.h"
#include "spotlight/sdk/plugin.h"

namespace {

namespace fused = spotlight::plugins::fused;

// The fused loop runs when every parameter with a gradient is a contiguous float32 CPU tensor
// with a dense contiguous gradient; anything else (a GPU, a closure) takes LibTorch's step.
class FusedAdam : public torch::optim::Adam {
 public:
  using torch::optim::Adam::Adam;

  torch::Tensor step(LossClosure closure = nullptr) override {
    if (closure || !fused::fusable(param_groups_, false)) return torch::optim::Adam::step(std::move(closure));
    torch::NoGradGuard no_grad;
    for (auto& group : param_groups_) {
      const auto& options = static_cast<const torch::optim::AdamOptions&>(group.options());
      for (auto& parameter : group.params()) {
        if (!parameter.grad().defined()) continue;
        auto& state = fused::state_of<torch::optim::AdamParamState>(state_, parameter, [&] {
          auto fresh = std::make_unique<torch::optim::AdamParamState>();
          fresh->step(0);
          fresh->exp_avg(torch::zeros_like(parameter, torch::MemoryFormat::Preserve));
          fresh->exp_avg_sq(torch::zeros_like(parameter, torch::MemoryFormat::Preserve));
          if (options.amsgrad()) fresh->max_exp_avg_sq(torch::zeros_like(parameter, torch::MemoryFormat::Preserve));
          return fresh;
        });
        state.step(state.step() + 1);
        const auto [beta1, beta2] = options.betas();
        const double steps = static_cast<double>(state.step());
        const adam_loop::Step step{static_cast<float>(beta1),
                                   static_cast<float>(beta2),
                                   static_cast<float>(options.lr() / (1.0 - std::pow(beta1, steps))),
                                   static_cast<float>(std::sqrt(1.0 - std::pow(beta2, steps))),
                                   static_cast<float>(options.eps()),
                                   static_cast<float>(options.weight_decay())};
        float* values = parameter.data_ptr<float>();
        const float* gradient = parameter.grad().data_ptr<float>();
        float* first = fused::state_data(state.exp_avg());
        float* second = fused::state_data(state.exp_avg_sq());
        float* top = options.amsgrad() ? fused::state_data(state.max_exp_avg_sq()) : nullptr;
        fused::in_chunks(parameter.numel(), [&](int64_t begin, int64_t count) {
          adam_loop::update(values + begin, gradient + begin, first + begin, second + begin,
                            top ? top + begin : nullptr, count, step);
        });
      }
    }
    return {};
  }
};

class AdamOptimizer : public spotlight::Optimizer {
 public:
  explicit AdamOptimizer(torch::optim::AdamOptions options) : options_(std::move(options)) {}

  std::unique_ptr<torch::optim::Optimizer> create(std::vector<torch::Tensor> parameters) const override {
    return std::make_unique<FusedAdam>(std::move(parameters), options_);
  }

 private:
  torch::optim::AdamOptions options_;
};

std::shared_ptr<AdamOptimizer> make_adam(const spotlight::ComponentArgs& args) {
  return std::make_shared<AdamOptimizer>(torch::optim::AdamOptions(args.number("learning_rate"))
                                             .weight_decay(args.number("l2"))
                                             .betas({args.number("beta1"), args.number("beta2")})
                                             .eps(args.number("eps"))
                                             .amsgrad(args.boolean("amsgrad")));
}

spotlight::ParameterList adam_parameters() {
  using spotlight::Parameter;
  return {Parameter::number("beta1", 0.9, "Decay of the first moment").at_least(0).at_most(0.999999),
          Parameter::number("beta2", 0.999, "Decay of the second moment").at_least(0).at_most(0.999999),
          Parameter::number("eps", 1e-8, "Term added to the denominator").greater_than(0),
          Parameter::boolean("amsgrad", false, "Use the AMSGrad variant")};
}

}  // namespace

SPOTLIGHT_PLUGIN(AdamOptimizer, make_adam, "adam", "1.0.0",
                 "Adam (LibTorch's, fused into one pass per parameter); dense gradients only",
                 spotlight::schema(spotlight::plugins::optimizer_parameters(), adam_parameters()))
