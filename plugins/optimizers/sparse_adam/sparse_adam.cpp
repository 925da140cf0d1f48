// sparse_adam: Adam for models whose tables have "sparse": true. A sparse gradient updates the
// moments and values of only the rows it holds, with PyTorch's SparseAdam arithmetic (the
// bias corrections use the parameter's step count; eps is added to the root of the second
// moment before the correction), so a step costs the rows a minibatch touched, not the whole
// table. Dense gradients (a network's weights, a dense table) take LibTorch's Adam step. The
// state is LibTorch's AdamParamState under LibTorch's keys, so checkpoints load into `adam`.
#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include <torch/optim/adam.h>
#include <torch/types.h>

#include "../adam/adam_loop.h"
#include "../fused_step.h"
#include "../optimizer_parameters.h"
#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/optimizer.h"
#include "spotlight/sdk/plugin.h"

namespace {

namespace fused = spotlight::plugins::fused;

struct Corrections {
  double first, second;  // 1 - beta1^step, 1 - beta2^step
};

// The same step in tensor operations, on any device and dtype: the dense rule is LibTorch's
// Adam, the sparse rule PyTorch's SparseAdam.
void tensor_step(torch::Tensor& parameter, torch::Tensor gradient, torch::optim::AdamParamState& state,
                 const torch::optim::AdamOptions& options, const Corrections& corrections) {
  const auto [beta1, beta2] = options.betas();
  const double decay = options.weight_decay();
  auto& first = state.exp_avg();
  auto& second = state.exp_avg_sq();
  if (!gradient.is_sparse()) {
    if (decay != 0) gradient = gradient.add(parameter, decay);
    first.mul_(beta1).add_(gradient, 1 - beta1);
    second.mul_(beta2).addcmul_(gradient, gradient, 1 - beta2);
    const auto denominator = (second.sqrt() / std::sqrt(corrections.second)).add_(options.eps());
    parameter.addcdiv_(first, denominator, -options.lr() / corrections.first);
    return;
  }
  gradient = gradient.coalesce();
  const auto rows = gradient._indices()[0];
  auto values = gradient._values();
  if (decay != 0) values = values.add(parameter.index_select(0, rows), decay);
  const auto row_first = first.index_select(0, rows).mul_(beta1).add_(values, 1 - beta1);
  const auto row_second = second.index_select(0, rows).mul_(beta2).addcmul_(values, values, 1 - beta2);
  first.index_copy_(0, rows, row_first);
  second.index_copy_(0, rows, row_second);
  const double step_size = options.lr() * std::sqrt(corrections.second) / corrections.first;
  parameter.index_add_(0, rows, row_first.div(row_second.sqrt().add_(options.eps())).mul_(-step_size));
}

class SparseAdam : public torch::optim::Adam {
 public:
  using torch::optim::Adam::Adam;

  torch::Tensor step(LossClosure closure = nullptr) override {
    torch::Tensor loss;
    if (closure) {
      torch::AutoGradMode enable_grad(true);
      loss = closure();
    }
    torch::NoGradGuard no_grad;
    const bool fuse = fused::fusable(param_groups_, true);
    for (auto& group : param_groups_) {
      const auto& options = static_cast<const torch::optim::AdamOptions&>(group.options());
      for (auto& parameter : group.params()) {
        const auto& gradient = parameter.grad();
        if (!gradient.defined()) continue;
        if (gradient.is_sparse() && gradient.sparse_dim() != 1) {
          throw spotlight::Error("sparse_adam: a sparse gradient must hold whole rows of its parameter");
        }
        auto& state = fused::state_of<torch::optim::AdamParamState>(state_, parameter, [&] {
          auto fresh = std::make_unique<torch::optim::AdamParamState>();
          fresh->step(0);
          fresh->exp_avg(torch::zeros_like(parameter, torch::MemoryFormat::Preserve));
          fresh->exp_avg_sq(torch::zeros_like(parameter, torch::MemoryFormat::Preserve));
          return fresh;
        });
        state.step(state.step() + 1);
        const auto [beta1, beta2] = options.betas();
        const double steps = static_cast<double>(state.step());
        const Corrections corrections{1.0 - std::pow(beta1, steps), 1.0 - std::pow(beta2, steps)};
        if (!fuse) {
          tensor_step(parameter, gradient, state, options, corrections);
          continue;
        }
        const float root = static_cast<float>(std::sqrt(corrections.second));
        float* values = parameter.data_ptr<float>();
        float* first = fused::state_data(state.exp_avg());
        float* second = fused::state_data(state.exp_avg_sq());
        adam_loop::Step step{static_cast<float>(beta1),
                             static_cast<float>(beta2),
                             static_cast<float>(options.lr() / corrections.first),
                             root,
                             static_cast<float>(options.eps()),
                             static_cast<float>(options.weight_decay())};
        if (!gradient.is_sparse()) {
          const float* dense = gradient.data_ptr<float>();
          fused::in_chunks(parameter.numel(), [&](int64_t begin, int64_t count) {
            adam_loop::update(values + begin, dense + begin, first + begin, second + begin, nullptr, count, step);
          });
          continue;
        }
        // SparseAdam adds eps to sqrt(v) itself; Adam's loop adds it to sqrt(v) / root.
        step.eps = static_cast<float>(options.eps()) / root;
        const int64_t width = parameter.size(1);
        row_sums_.sum(gradient, parameter.size(0));
        if (width < kStagedWidth) {
          step_staged(width, values, first, second, step);
          continue;
        }
        for (size_t k = 0; k < row_sums_.size(); ++k) {
          if (k + kPrefetchAhead < row_sums_.size()) {
            prefetch_row(row_sums_.row(k + kPrefetchAhead) * width, width, values, first, second);
          }
          const int64_t offset = row_sums_.row(k) * width;
          adam_loop::update(values + offset, row_sums_.values(k), first + offset, second + offset, nullptr, width,
                            step);
        }
      }
    }
    return loss;
  }

 private:
  // Rows narrower than a vector register (a bias table) are stepped as one run, gathered and
  // scattered back, instead of one short call per row.
  static constexpr int64_t kStagedWidth = 16;
  // The rows a step touches lie anywhere in tables larger than a core's cache: the loads of a
  // row a few ahead are started while this one is stepped.
  static constexpr size_t kPrefetchAhead = 4;

  static void prefetch_row(int64_t offset, int64_t width, const float* values, const float* first,
                           const float* second) {
    constexpr int64_t kLine = 64 / sizeof(float);
    for (int64_t d = 0; d < width; d += kLine) {
      __builtin_prefetch(values + offset + d, 1);
      __builtin_prefetch(first + offset + d, 1);
      __builtin_prefetch(second + offset + d, 1);
    }
  }

  void step_staged(int64_t width, float* values, float* first, float* second, const adam_loop::Step& step) {
    const int64_t rows = static_cast<int64_t>(row_sums_.size()), n = rows * width;
    if (n == 0) return;
    staged_.resize(static_cast<size_t>(3 * n));
    float* p = staged_.data();
    float* m = p + n;
    float* v = m + n;
    for (int64_t k = 0; k < rows; ++k) {
      const int64_t offset = row_sums_.row(static_cast<size_t>(k)) * width;
      fused::copy_row(p + k * width, values + offset, width);
      fused::copy_row(m + k * width, first + offset, width);
      fused::copy_row(v + k * width, second + offset, width);
    }
    adam_loop::update(p, row_sums_.values(0), m, v, nullptr, n, step);  // the sums lie row after row
    for (int64_t k = 0; k < rows; ++k) {
      const int64_t offset = row_sums_.row(static_cast<size_t>(k)) * width;
      fused::copy_row(values + offset, p + k * width, width);
      fused::copy_row(first + offset, m + k * width, width);
      fused::copy_row(second + offset, v + k * width, width);
    }
  }

  fused::RowSums row_sums_;
  std::vector<float> staged_;
};

class SparseAdamOptimizer : public spotlight::Optimizer {
 public:
  explicit SparseAdamOptimizer(torch::optim::AdamOptions options) : options_(std::move(options)) {}

  std::unique_ptr<torch::optim::Optimizer> create(std::vector<torch::Tensor> parameters) const override {
    return std::make_unique<SparseAdam>(std::move(parameters), options_);
  }
  bool takes_sparse_gradients() const override { return true; }

 private:
  torch::optim::AdamOptions options_;
};

std::shared_ptr<SparseAdamOptimizer> make_sparse_adam(const spotlight::ComponentArgs& args) {
  return std::make_shared<SparseAdamOptimizer>(torch::optim::AdamOptions(args.number("learning_rate"))
                                                   .weight_decay(args.number("l2"))
                                                   .betas({args.number("beta1"), args.number("beta2")})
                                                   .eps(args.number("eps")));
}

spotlight::ParameterList sparse_adam_parameters() {
  using spotlight::Parameter;
  return {Parameter::number("beta1", 0.9, "Decay of the first moment").at_least(0).at_most(0.999999),
          Parameter::number("beta2", 0.999, "Decay of the second moment").at_least(0).at_most(0.999999),
          Parameter::number("eps", 1e-8, "Term added to the denominator").greater_than(0)};
}

}  // namespace

SPOTLIGHT_PLUGIN(SparseAdamOptimizer, make_sparse_adam, "sparse_adam", "1.0.0",
                 "Adam that updates only the rows a sparse gradient holds (PyTorch's SparseAdam); dense gradients "
                 "take Adam's step; l2 applies to the rows stepped",
                 spotlight::schema(spotlight::plugins::optimizer_parameters(), sparse_adam_parameters()))
