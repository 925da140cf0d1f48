// The SDK's layer norm (spotlight/sdk/nn/layer_norm.h) against LibTorch's, forward and backward
// into the input, weight and bias, on one thread, at SASRec's ML-100K shape: about 2,600 rows
// of width 32 per minibatch.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include "spotlight/framework/training/runtime.h"
#include "spotlight/sdk/nn/layer_norm.h"

namespace {

constexpr int64_t kRows = 2600, kDim = 32;

template <class Norm>
void run(benchmark::State& state, Norm norm) {
  spotlight::set_compute_threads(1);
  spotlight::keep_freed_memory();  // as `spotlight run` does
  const auto x = torch::randn({kRows, kDim}).requires_grad_();
  const auto w = torch::ones({kDim}).requires_grad_(), b = torch::zeros({kDim}).requires_grad_();
  const auto dy = torch::randn({kRows, kDim});
  for (auto _ : state) {
    norm(x, w, b).backward(dy);
    x.mutable_grad().reset();
    w.mutable_grad().reset();
    b.mutable_grad().reset();
  }
}

void LayerNorm(benchmark::State& state) {
  run(state, [](const auto& x, const auto& w, const auto& b) { return spotlight::nn::layer_norm(x, w, b, 1e-8); });
}
BENCHMARK(LayerNorm)->Unit(benchmark::kMicrosecond);

void LayerNormThroughLibTorch(benchmark::State& state) {
  run(state, [](const auto& x, const auto& w, const auto& b) { return torch::layer_norm(x, {kDim}, w, b, 1e-8); });
}
BENCHMARK(LayerNormThroughLibTorch)->Unit(benchmark::kMicrosecond);

}  // namespace
