// The convolution's and recurrences' small products (SDK spotlight/sdk/nn/tap_products.h)
// against the same products through LibTorch (OpenBLAS), on one thread: 13,000 rows (a
// minibatch of 1,024 windows of 10 behind their padding) by 32 x 32 for each of 3 taps, and
// the recurrent step's vector x matrix. Counter: multiply-adds per second.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <vector>

#include "spotlight/sdk/nn/tap_products.h"
#include "spotlight/sdk/vector_clones.h"
#include "spotlight/sdk/vector_math.h"
#include "spotlight/framework/training/runtime.h"

namespace {

constexpr int64_t kRows = 13000, kDim = 32, kTaps = 3;

void set_rate(benchmark::State& state, double multiply_adds) {
  state.counters["FMA/s"] =
      benchmark::Counter(multiply_adds * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// Forward taps: out = sum over taps m of rows shifted by m, times W_m.
void TapProducts(benchmark::State& state) {
  const auto src = torch::randn({kRows + kTaps, kDim});
  const auto w = torch::randn({kTaps * kDim, kDim});
  auto out = torch::empty({kRows, kDim});
  const std::vector<int64_t> offsets = {0, 1, 2};
  const std::vector<const float*> taps = {w.data_ptr<float>(), w.data_ptr<float>() + kDim * kDim,
                                          w.data_ptr<float>() + 2 * kDim * kDim};
  for (auto _ : state) {
    spotlight::nn::tap_products::multiply(src.data_ptr<float>(), kDim, kRows, kTaps, offsets.data(), taps.data(), kDim, kDim,
                           nullptr, nullptr, out.data_ptr<float>());
    benchmark::DoNotOptimize(out.data_ptr<float>());
  }
  state.SetLabel(spotlight::nn::tap_products::name(spotlight::nn::tap_products::widest()));
  set_rate(state, static_cast<double>(kRows * kTaps * kDim * kDim));
}
BENCHMARK(TapProducts)->Unit(benchmark::kMicrosecond);

void TapProductsThroughLibTorch(benchmark::State& state) {
  spotlight::set_compute_threads(1);
  const auto src = torch::randn({kRows + kTaps, kDim});
  const auto w = torch::randn({kTaps * kDim, kDim});
  auto out = torch::empty({kRows, kDim});
  for (auto _ : state) {
    torch::mm_out(out, src.narrow(0, 0, kRows), w.narrow(0, 0, kDim));
    for (int64_t m = 1; m < kTaps; ++m) out.addmm_(src.narrow(0, m, kRows), w.narrow(0, m * kDim, kDim));
    benchmark::DoNotOptimize(out.data_ptr<float>());
  }
  set_rate(state, static_cast<double>(kRows * kTaps * kDim * kDim));
}
BENCHMARK(TapProductsThroughLibTorch)->Unit(benchmark::kMicrosecond);

// d W of the taps: the sum over rows of d z row r times packed row r + m.
void TapOuterProducts(benchmark::State& state) {
  const auto src = torch::randn({kRows + kTaps, kDim});
  const auto dz = torch::randn({kRows, kDim});
  auto dw = torch::zeros({kDim, kTaps * kDim});
  for (auto _ : state) {
    for (int64_t m = 0; m < kTaps; ++m) {
      spotlight::nn::tap_products::accumulate_outer(dz.data_ptr<float>(), kDim, src.data_ptr<float>(), kDim, kRows, m,
                                     dw.data_ptr<float>() + m * kDim, kTaps * kDim);
    }
    benchmark::DoNotOptimize(dw.data_ptr<float>());
  }
  state.SetLabel(spotlight::nn::tap_products::name(spotlight::nn::tap_products::widest()));
  set_rate(state, static_cast<double>(kRows * kTaps * kDim * kDim));
}
BENCHMARK(TapOuterProducts)->Unit(benchmark::kMicrosecond);

void TapOuterProductsThroughLibTorch(benchmark::State& state) {
  spotlight::set_compute_threads(1);
  const auto src = torch::randn({kRows + kTaps, kDim});
  const auto dz = torch::randn({kRows, kDim});
  for (auto _ : state) {
    for (int64_t m = 0; m < kTaps; ++m) benchmark::DoNotOptimize(dz.t().mm(src.narrow(0, m, kRows)));
  }
  set_rate(state, static_cast<double>(kRows * kTaps * kDim * kDim));
}
BENCHMARK(TapOuterProductsThroughLibTorch)->Unit(benchmark::kMicrosecond);

// One recurrent step's product: h (32) times W_hh^T (32 x 128), and d_gates (128) times W_hh.
void RecurrentStepProducts(benchmark::State& state) {
  const auto h = torch::randn({kDim});
  const auto w_t = torch::randn({kDim, 4 * kDim});
  const auto d_gates = torch::randn({4 * kDim});
  const auto w = torch::randn({4 * kDim, kDim});
  std::vector<float> gates(4 * kDim, 0.0f), d_h(kDim, 0.0f);
  for (auto _ : state) {
    spotlight::nn::tap_products::add_vector_times_matrix(h.data_ptr<float>(), w_t.data_ptr<float>(), kDim, 4 * kDim, gates.data());
    spotlight::nn::tap_products::add_vector_times_matrix(d_gates.data_ptr<float>(), w.data_ptr<float>(), 4 * kDim, kDim, d_h.data());
    benchmark::DoNotOptimize(gates.data());
    benchmark::DoNotOptimize(d_h.data());
  }
  state.SetLabel(spotlight::nn::tap_products::name(spotlight::nn::tap_products::widest()));
  set_rate(state, 2.0 * 4 * kDim * kDim);
}
BENCHMARK(RecurrentStepProducts);

// The activations' cost on a minibatch's worth of gate pre-activations (131,072 floats, the
// input and cell gates of 1,024 rows of width 32 x 4): the SDK's tanh() against
// tanh_activation(), each loop compiled per instruction set like the plugins' step loops.
SPOTLIGHT_VECTOR_CLONES __attribute__((noinline)) void apply_tanh(const float* in, int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = spotlight::vector_math::tanh(in[i]);
}

SPOTLIGHT_VECTOR_CLONES __attribute__((noinline)) void apply_tanh_activation(const float* in, int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = spotlight::vector_math::tanh_activation(in[i]);
}

void Tanh(benchmark::State& state) {
  const auto in = torch::randn({131072}) * 2;
  auto out = torch::empty_like(in);
  const auto apply = state.range(0) == 0 ? apply_tanh : apply_tanh_activation;
  for (auto _ : state) {
    apply(in.data_ptr<float>(), in.numel(), out.data_ptr<float>());
    benchmark::DoNotOptimize(out.data_ptr<float>());
  }
  state.SetLabel(state.range(0) == 0 ? "tanh" : "tanh_activation");
  state.SetItemsProcessed(state.iterations() * in.numel());
}
BENCHMARK(Tanh)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace
