// The SDK's causal attention (spotlight/sdk/nn/causal_attention.h) against the same computation
// from LibTorch's operators, forward and backward, on one thread,
// at SASRec's ML-100K shape: a minibatch of 32 sequences of 20 to 201 rows (about 3,000 rows in
// all) of width 32, one head.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <limits>
#include <vector>

#include "spotlight/framework/training/runtime.h"
#include "spotlight/sdk/nn/causal_attention.h"

namespace {

constexpr int64_t kDim = 32, kSequences = 32;

struct Batch {
  std::vector<int64_t> lengths;
  int64_t rows = 0;
  int64_t longest = 0;
};

Batch batch() {
  Batch b;
  torch::manual_seed(1);
  for (int64_t s = 0; s < kSequences; ++s) {
    b.lengths.push_back(torch::randint(20, 202, {1}).item<int64_t>());
    b.rows += b.lengths.back();
    b.longest = std::max(b.longest, b.lengths.back());
  }
  return b;
}

void CausalAttentionPacked(benchmark::State& state) {
  spotlight::set_compute_threads(1);
  const auto b = batch();
  // Queries, keys and values side by side, as sasrec's one product gives them.
  const auto qkv = torch::randn({b.rows, 3 * kDim}).requires_grad_();
  const auto lengths = torch::tensor(b.lengths), is_key = torch::ones({b.rows}, torch::kBool);
  for (auto _ : state) {
    spotlight::nn::causal_attention_packed(qkv, lengths, is_key, 1, 0.0, true).sum().backward();
  }
  state.SetLabel(spotlight::nn::tap_products::name(spotlight::nn::tap_products::widest()));
}
BENCHMARK(CausalAttentionPacked)->Unit(benchmark::kMicrosecond);

// The same sequences padded to the longest, with a causal mask, through batched products.
void CausalAttentionThroughLibTorch(benchmark::State& state) {
  spotlight::set_compute_threads(1);
  const auto b = batch();
  const int64_t n = b.longest;
  const auto q = torch::randn({kSequences, n, kDim}).requires_grad_();
  const auto k = torch::randn({kSequences, n, kDim}).requires_grad_();
  const auto v = torch::randn({kSequences, n, kDim}).requires_grad_();
  const auto mask = torch::ones({n, n}).triu(1).mul(-std::numeric_limits<float>::infinity()).nan_to_num(0.0);
  for (auto _ : state) {
    const auto weights = torch::softmax(torch::matmul(q, k.transpose(1, 2)) + mask, -1);
    torch::matmul(weights, v).sum().backward();
  }
}
BENCHMARK(CausalAttentionThroughLibTorch)->Unit(benchmark::kMicrosecond);

}  // namespace
