// adagrad: LibTorch's Adagrad with its step fused into one pass over each parameter
// (adagrad_loop). FusedAdagrad keeps LibTorch's state objects and keys, so its checkpoints are
// the plain optimizer's and load into either. It takes sparse gradients: without weight
// decay, a sparse gradient of whole rows (an embedding's) reads and writes only the rows it
// holds, with repeated rows summed first as LibTorch's coalesce() does.
#include <cstdint>
#include <memory>
#include <vector>

#include <torch/optim/adagrad.h>
#include <torch/types.h>

#include "../fused_step.h"
#include "../optimizer_parameters.h"
#include "adagrad_loop.h"
#include "spotlight/sdk/optimizer.h"
#include "spotlight/sdk/plugin.h"

namespace {

namespace fused = spotlight::plugins::fused;

// The fused loop runs when every parameter with a gradient is a contiguous float32 CPU tensor
// with a dense contiguous gradient or, without weight decay, a sparse gradient of whole rows;
// anything else (a GPU, a closure) takes LibTorch's step.
class FusedAdagrad : public torch::optim::Adagrad {
 public:
  using torch::optim::Adagrad::Adagrad;

  torch::Tensor step(LossClosure closure = nullptr) override {
    // LibTorch refuses weight decay with sparse gradients; its own step says so.
    bool sparse_allowed = true;
    for (const auto& group : param_groups_) {
      if (static_cast<const torch::optim::AdagradOptions&>(group.options()).weight_decay() != 0) sparse_allowed = false;
    }
    if (closure || !fused::fusable(param_groups_, sparse_allowed)) return torch::optim::Adagrad::step(std::move(closure));
    torch::NoGradGuard no_grad;
    for (auto& group : param_groups_) {
      const auto& options = static_cast<const torch::optim::AdagradOptions&>(group.options());
      for (auto& parameter : group.params()) {
        const auto& gradient = parameter.grad();
        if (!gradient.defined()) continue;
        // LibTorch creates this state in the constructor; a parameter added later gets it here.
        auto& state = fused::state_of<torch::optim::AdagradParamState>(state_, parameter, [&] {
          auto fresh = std::make_unique<torch::optim::AdagradParamState>();
          fresh->step(0);
          fresh->sum(torch::full_like(parameter, options.initial_accumulator_value(), torch::MemoryFormat::Preserve));
          return fresh;
        });
        state.step(state.step() + 1);
        const adagrad_loop::Step step{
            static_cast<float>(options.lr() / (1.0 + static_cast<double>(state.step() - 1) * options.lr_decay())),
            static_cast<float>(options.eps()), static_cast<float>(options.weight_decay())};
        float* values = parameter.data_ptr<float>();
        float* sum = fused::state_data(state.sum());
        if (gradient.is_sparse()) {
          const int64_t width = parameter.size(1);
          row_sums_.sum(gradient, parameter.size(0));
          for (size_t k = 0; k < row_sums_.size(); ++k) {
            const int64_t offset = row_sums_.row(k) * width;
            adagrad_loop::update(values + offset, row_sums_.values(k), sum + offset, width, step);
          }
          continue;
        }
        const float* dense = gradient.data_ptr<float>();
        fused::in_chunks(parameter.numel(), [&](int64_t begin, int64_t count) {
          adagrad_loop::update(values + begin, dense + begin, sum + begin, count, step);
        });
      }
    }
    return {};
  }

 private:
  fused::RowSums row_sums_;
};

class AdagradOptimizer : public spotlight::Optimizer {
 public:
  explicit AdagradOptimizer(torch::optim::AdagradOptions options) : options_(std::move(options)) {}

  std::unique_ptr<torch::optim::Optimizer> create(std::vector<torch::Tensor> parameters) const override {
    return std::make_unique<FusedAdagrad>(std::move(parameters), options_);
  }
  bool takes_sparse_gradients() const override { return true; }

 private:
  torch::optim::AdagradOptions options_;
};

std::shared_ptr<AdagradOptimizer> make_adagrad(const spotlight::ComponentArgs& args) {
  return std::make_shared<AdagradOptimizer>(
      torch::optim::AdagradOptions(args.number("learning_rate"))
          .weight_decay(args.number("l2"))
          .lr_decay(args.number("lr_decay"))
          .initial_accumulator_value(args.number("initial_accumulator_value"))
          .eps(args.number("eps")));
}

spotlight::ParameterList adagrad_parameters() {
  using spotlight::Parameter;
  return {Parameter::number("lr_decay", 0.0, "Learning-rate decay").at_least(0),
          Parameter::number("initial_accumulator_value", 0.0, "Initial accumulator").at_least(0),
          Parameter::number("eps", 1e-10, "Term added to the denominator").greater_than(0)};
}

}  // namespace

SPOTLIGHT_PLUGIN(AdagradOptimizer, make_adagrad, "adagrad", "1.0.0",
                 "Adagrad (LibTorch's, fused into one pass per parameter); takes sparse gradients when l2 is 0",
                 spotlight::schema(spotlight::plugins::optimizer_parameters(), adagrad_parameters()))
