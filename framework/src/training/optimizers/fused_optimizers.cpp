#include "src/training/optimizers/fused_optimizers.h"

#include <cmath>
#include <string>

#include <ATen/Parallel.h>
#include <torch/types.h>

#include "src/training/optimizers/update_loops.h"

namespace spotlight {

namespace {

// LibTorch's key for a parameter's state.
std::string state_key(const torch::Tensor& parameter) { return c10::guts::to_string(parameter.unsafeGetTensorImpl()); }

bool plain(const torch::Tensor& tensor) {
  return tensor.defined() && tensor.device().is_cpu() && tensor.scalar_type() == torch::kFloat32 &&
         tensor.layout() == torch::kStrided && tensor.is_contiguous();
}

// A sparse gradient of whole rows of a 2-d float32 CPU parameter (what an embedding table with
// sparse=True produces).
bool sparse_rows(const torch::Tensor& parameter, const torch::Tensor& gradient) {
  return gradient.is_sparse() && gradient.device().is_cpu() && gradient.scalar_type() == torch::kFloat32 &&
         parameter.dim() == 2 && gradient.sparse_dim() == 1 && gradient.dense_dim() == 1;
}

bool fusable(const std::vector<torch::optim::OptimizerParamGroup>& groups, bool sparse_allowed) {
  for (const auto& group : groups) {
    for (const auto& parameter : group.params()) {
      const auto& gradient = parameter.grad();
      if (!gradient.defined() || (plain(parameter) && plain(gradient))) continue;
      if (!(sparse_allowed && plain(parameter) && sparse_rows(parameter, gradient))) return false;
    }
  }
  return true;
}

// Sums the rows of a sparse row gradient that share an index: `rows` gets the distinct rows in
// first-seen order and `sums` their summed values (width floats each). `slot_of_row` holds -1
// for every row of the parameter and is left that way.
void sum_repeated_rows(const torch::Tensor& gradient, std::vector<int32_t>& slot_of_row, std::vector<int64_t>& rows,
                       std::vector<float>& sums) {
  const auto indices = gradient._indices().contiguous();
  const auto values = gradient._values().contiguous();
  const int64_t count = values.size(0), width = values.size(1);
  const int64_t* index = indices.data_ptr<int64_t>();
  const float* value = values.data_ptr<float>();
  rows.clear();
  sums.clear();
  for (int64_t k = 0; k < count; ++k) {
    int32_t& slot = slot_of_row[static_cast<size_t>(index[k])];
    if (slot < 0) {
      slot = static_cast<int32_t>(rows.size());
      rows.push_back(index[k]);
      sums.insert(sums.end(), value + k * width, value + (k + 1) * width);
      continue;
    }
    float* sum = sums.data() + static_cast<int64_t>(slot) * width;
    for (int64_t d = 0; d < width; ++d) sum[d] += value[k * width + d];
  }
  for (int64_t row : rows) slot_of_row[static_cast<size_t>(row)] = -1;
}

// The optimizer state of `parameter` in LibTorch's map, made by `make` when the parameter has
// none yet (LibTorch creates some states lazily and some in the constructor).
template <typename State, typename States, typename Make>
State& state_of(States& states, const torch::Tensor& parameter, const Make& make) {
  auto& slot = states[state_key(parameter)];
  if (!slot) slot = make();
  return static_cast<State&>(*slot);
}

// A state tensor as the loops need it; state read from a checkpoint is made contiguous once.
float* state_data(torch::Tensor& state) {
  if (!plain(state)) state = state.to(torch::kFloat32).contiguous();
  return state.data_ptr<float>();
}

// Large tables are split over the intra-op threads; a table under 64K floats stays on one.
template <typename Loop>
void in_chunks(int64_t n, const Loop& loop) {
  at::parallel_for(0, n, int64_t{1} << 16, [&](int64_t begin, int64_t end) { loop(begin, end - begin); });
}

}  // namespace

torch::Tensor FusedAdam::step(LossClosure closure) {
  if (closure || !fusable(param_groups_, false)) return torch::optim::Adam::step(std::move(closure));
  torch::NoGradGuard no_grad;
  for (auto& group : param_groups_) {
    const auto& options = static_cast<const torch::optim::AdamOptions&>(group.options());
    for (auto& parameter : group.params()) {
      if (!parameter.grad().defined()) continue;
      auto& state = state_of<torch::optim::AdamParamState>(state_, parameter, [&] {
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
      const update_loops::AdamStep step{static_cast<float>(beta1),
                                        static_cast<float>(beta2),
                                        static_cast<float>(options.lr() / (1.0 - std::pow(beta1, steps))),
                                        static_cast<float>(std::sqrt(1.0 - std::pow(beta2, steps))),
                                        static_cast<float>(options.eps()),
                                        static_cast<float>(options.weight_decay())};
      float* values = parameter.data_ptr<float>();
      const float* gradient = parameter.grad().data_ptr<float>();
      float* first = state_data(state.exp_avg());
      float* second = state_data(state.exp_avg_sq());
      float* top = options.amsgrad() ? state_data(state.max_exp_avg_sq()) : nullptr;
      in_chunks(parameter.numel(), [&](int64_t begin, int64_t count) {
        update_loops::adam(values + begin, gradient + begin, first + begin, second + begin,
                           top ? top + begin : nullptr, count, step);
      });
    }
  }
  return {};
}

torch::Tensor FusedAdagrad::step(LossClosure closure) {
  // LibTorch refuses weight decay with sparse gradients; its own step says so.
  bool sparse_allowed = true;
  for (const auto& group : param_groups_) {
    if (static_cast<const torch::optim::AdagradOptions&>(group.options()).weight_decay() != 0) sparse_allowed = false;
  }
  if (closure || !fusable(param_groups_, sparse_allowed)) return torch::optim::Adagrad::step(std::move(closure));
  torch::NoGradGuard no_grad;
  for (auto& group : param_groups_) {
    const auto& options = static_cast<const torch::optim::AdagradOptions&>(group.options());
    for (auto& parameter : group.params()) {
      const auto& gradient = parameter.grad();
      if (!gradient.defined()) continue;
      // LibTorch creates this state in the constructor; a parameter added later gets it here.
      auto& state = state_of<torch::optim::AdagradParamState>(state_, parameter, [&] {
        auto fresh = std::make_unique<torch::optim::AdagradParamState>();
        fresh->step(0);
        fresh->sum(torch::full_like(parameter, options.initial_accumulator_value(), torch::MemoryFormat::Preserve));
        return fresh;
      });
      state.step(state.step() + 1);
      const update_loops::AdagradStep step{
          static_cast<float>(options.lr() / (1.0 + static_cast<double>(state.step() - 1) * options.lr_decay())),
          static_cast<float>(options.eps()), static_cast<float>(options.weight_decay())};
      float* values = parameter.data_ptr<float>();
      float* sum = state_data(state.sum());
      if (gradient.is_sparse()) {
        const int64_t width = parameter.size(1);
        if (slot_of_row_.size() < static_cast<size_t>(parameter.size(0))) {
          slot_of_row_.resize(static_cast<size_t>(parameter.size(0)), -1);
        }
        sum_repeated_rows(gradient, slot_of_row_, rows_, row_sums_);
        for (size_t k = 0; k < rows_.size(); ++k) {
          const int64_t offset = rows_[k] * width;
          update_loops::adagrad(values + offset, row_sums_.data() + static_cast<int64_t>(k) * width, sum + offset,
                                width, step);
        }
        continue;
      }
      const float* dense = gradient.data_ptr<float>();
      in_chunks(parameter.numel(), [&](int64_t begin, int64_t count) {
        update_loops::adagrad(values + begin, dense + begin, sum + begin, count, step);
      });
    }
  }
  return {};
}

torch::Tensor FusedSgd::step(LossClosure closure) {
  if (closure || !fusable(param_groups_, false)) return torch::optim::SGD::step(std::move(closure));
  torch::NoGradGuard no_grad;
  for (auto& group : param_groups_) {
    const auto& options = static_cast<const torch::optim::SGDOptions&>(group.options());
    for (auto& parameter : group.params()) {
      if (!parameter.grad().defined()) continue;
      update_loops::SgdStep step{static_cast<float>(options.lr()),
                                 static_cast<float>(options.weight_decay()),
                                 static_cast<float>(options.momentum()),
                                 static_cast<float>(options.dampening()),
                                 options.nesterov(),
                                 false};
      float* buffer = nullptr;
      if (options.momentum() != 0) {
        auto& state = state_of<torch::optim::SGDParamState>(state_, parameter, [&] {
          // the buffer starts as the first gradient, as LibTorch's clone() does
          auto fresh = std::make_unique<torch::optim::SGDParamState>();
          fresh->momentum_buffer(torch::empty_like(parameter, torch::MemoryFormat::Preserve));
          step.first = true;
          return fresh;
        });
        buffer = state_data(state.momentum_buffer());
      }
      float* values = parameter.data_ptr<float>();
      const float* gradient = parameter.grad().data_ptr<float>();
      in_chunks(parameter.numel(), [&](int64_t begin, int64_t count) {
        update_loops::sgd(values + begin, gradient + begin, buffer ? buffer + begin : nullptr, count, step);
      });
    }
  }
  return {};
}

}  // namespace spotlight
