#pragma once

// What the fused optimizer plugins share around their loops: when a step can be fused, the
// optimizer state in LibTorch's own map and keys (so checkpoints are those of LibTorch's
// optimizers, and of the host's fused optimizers before optimizers were plugins), and the
// split of large tables over the intra-op threads. Header-only: each plugin is its own .so
// and links nothing but the SDK.

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <ATen/Parallel.h>
#include <torch/optim/optimizer.h>
#include <torch/types.h>

namespace spotlight::plugins::fused {

// LibTorch's key for a parameter's state.
inline std::string state_key(const torch::Tensor& parameter) {
  return c10::guts::to_string(parameter.unsafeGetTensorImpl());
}

inline bool plain(const torch::Tensor& tensor) {
  return tensor.defined() && tensor.device().is_cpu() && tensor.scalar_type() == torch::kFloat32 &&
         tensor.layout() == torch::kStrided && tensor.is_contiguous();
}

// A sparse gradient of whole rows of a 2-d float32 CPU parameter (what an embedding table with
// sparse=True produces).
inline bool sparse_rows(const torch::Tensor& parameter, const torch::Tensor& gradient) {
  return gradient.is_sparse() && gradient.device().is_cpu() && gradient.scalar_type() == torch::kFloat32 &&
         parameter.dim() == 2 && gradient.sparse_dim() == 1 && gradient.dense_dim() == 1;
}

// Whether every parameter with a gradient is a contiguous float32 CPU tensor with a dense
// contiguous gradient or, when `sparse_allowed`, a sparse gradient of whole rows. Anything
// else (a GPU, another dtype) takes LibTorch's own step.
inline bool fusable(const std::vector<torch::optim::OptimizerParamGroup>& groups, bool sparse_allowed) {
  for (const auto& group : groups) {
    for (const auto& parameter : group.params()) {
      const auto& gradient = parameter.grad();
      if (!gradient.defined() || (plain(parameter) && plain(gradient))) continue;
      if (!(sparse_allowed && plain(parameter) && sparse_rows(parameter, gradient))) return false;
    }
  }
  return true;
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
inline float* state_data(torch::Tensor& state) {
  if (!plain(state)) state = state.to(torch::kFloat32).contiguous();
  return state.data_ptr<float>();
}

// Large tables are split over the intra-op threads; a table under 64K floats stays on one.
template <typename Loop>
void in_chunks(int64_t n, const Loop& loop) {
  at::parallel_for(0, n, int64_t{1} << 16, [&](int64_t begin, int64_t end) { loop(begin, end - begin); });
}

// One row of `width` floats; a one-float row (a bias table's) without a library call.
inline void copy_row(float* destination, const float* source, int64_t width) {
  if (width <= 0) return;
  if (width == 1) {
    *destination = *source;
    return;
  }
  std::memcpy(destination, source, static_cast<size_t>(width) * sizeof(float));
}

// A sparse row gradient with its repeated rows summed, as LibTorch's coalesce() would give it:
// `rows` holds the distinct rows in first-seen order and `sums` their summed values, `width`
// floats each. The scratch index is kept between steps, so a step costs only the rows it holds.
class RowSums {
 public:
  void sum(const torch::Tensor& gradient, int64_t parameter_rows) {
    if (slot_of_row_.size() < static_cast<size_t>(parameter_rows)) slot_of_row_.resize(static_cast<size_t>(parameter_rows), -1);
    const auto indices = gradient._indices().contiguous();
    const auto values = gradient._values().contiguous();
    const int64_t count = values.size(0);
    width_ = values.size(1);
    const int64_t* index = indices.data_ptr<int64_t>();
    const float* value = values.data_ptr<float>();
    rows_.clear();
    // Room for every lookup being a row of its own.
    if (sums_.size() < static_cast<size_t>(count * width_)) sums_.resize(static_cast<size_t>(count * width_));
    for (int64_t k = 0; k < count; ++k) {
      int32_t& slot = slot_of_row_[static_cast<size_t>(index[k])];
      const float* row = value + k * width_;
      if (slot < 0) {
        slot = static_cast<int32_t>(rows_.size());
        rows_.push_back(index[k]);
        copy_row(sums_.data() + static_cast<int64_t>(slot) * width_, row, width_);
        continue;
      }
      float* total = sums_.data() + static_cast<int64_t>(slot) * width_;
      for (int64_t d = 0; d < width_; ++d) total[d] += row[d];
    }
    for (int64_t row : rows_) slot_of_row_[static_cast<size_t>(row)] = -1;
  }

  size_t size() const { return rows_.size(); }
  int64_t row(size_t k) const { return rows_[k]; }
  const float* values(size_t k) const { return sums_.data() + static_cast<int64_t>(k) * width_; }

 private:
  std::vector<int32_t> slot_of_row_;  // -1 for every row between steps
  std::vector<int64_t> rows_;
  std::vector<float> sums_;
  int64_t width_ = 0;
};

}  // namespace spotlight::plugins::fused
