#include "spotlight/sdk/nn/dropout.h"

#include <algorithm>
#include <cstdint>

#include "dropout_hash.h"
#include "spotlight/sdk/vector_clones.h"

namespace spotlight::nn {

namespace {

// out[i] = in[i] * scale where element i is kept, else in[i] * 0. An element is kept when its
// hash is at or above `threshold` (p * 2^32). The hash is compared as a signed integer with its
// top bit flipped (the same order as unsigned) and the mask applied as a factor: GCC vectorises
// neither an unsigned comparison nor a conditional product for AVX2.
SPOTLIGHT_VECTOR_CLONES
void masked_scale(const float* __restrict in, float* __restrict out, int64_t count, uint64_t seed, uint32_t threshold,
                  float scale) {
  const uint32_t low = static_cast<uint32_t>(seed), high = static_cast<uint32_t>(seed >> 32);
  const int32_t bound = static_cast<int32_t>(threshold ^ 0x80000000U);
  for (int64_t start = 0; start < count; start += int64_t{1} << 32) {
    const int64_t end = std::min(count, start + (int64_t{1} << 32));
    const uint32_t block = mix(high + static_cast<uint32_t>(start >> 32));
    for (int64_t i = start; i < end; ++i) {
      const uint32_t draw = mix((static_cast<uint32_t>(i) * 0x9e3779b9U) ^ low ^ block);
      const float factor = static_cast<int32_t>(draw ^ 0x80000000U) >= bound ? scale : 0.0f;
      out[i] = in[i] * factor;
    }
  }
}

// `x` (read in its logical order) with the mask of (seed, p): an element is kept when the
// hash of (seed, its index) is at or above p * 2^32, and a kept one is scaled by 1 / (1 - p).
torch::Tensor masked(const torch::Tensor& x, uint64_t seed, double p) {
  const auto input = x.contiguous();
  auto output = torch::empty_like(input);
  masked_scale(input.data_ptr<float>(), output.data_ptr<float>(), input.numel(), seed,
               static_cast<uint32_t>(p * 4294967296.0), static_cast<float>(1.0 / (1.0 - p)));
  return output;
}

// The seed source a DropoutSeeds set on this thread; null: LibTorch's default generator.
thread_local Random* thread_seeds = nullptr;

class HashedDropout : public torch::autograd::Function<HashedDropout> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* context, const torch::Tensor& x, double p) {
    const uint64_t seed = next_dropout_seed();
    context->saved_data["seed"] = static_cast<int64_t>(seed);
    context->saved_data["p"] = p;
    return masked(x, seed, p);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::variable_list output_gradients) {
    // The same seed and drop probability give the forward pass's mask: nothing else is stored.
    const auto seed = static_cast<uint64_t>(context->saved_data["seed"].toInt());
    return {masked(output_gradients[0], seed, context->saved_data["p"].to<double>()), torch::Tensor()};
  }
};

}  // namespace

uint64_t next_dropout_seed() {
  if (thread_seeds) return thread_seeds->next();
  const auto parts = torch::randint(0, int64_t{1} << 32, {2}, torch::kInt64);
  return static_cast<uint64_t>(parts[0].item<int64_t>()) << 32 | static_cast<uint64_t>(parts[1].item<int64_t>());
}

torch::Tensor dropout(const torch::Tensor& x, double p, bool training) {
  if (!training || p <= 0.0) return x;
  if (!x.device().is_cpu() || x.scalar_type() != torch::kFloat32 || p >= 1.0) return torch::dropout(x, p, training);
  return HashedDropout::apply(x, p);
}

DropoutSeeds::DropoutSeeds(Random& seeds) : previous_(thread_seeds) { thread_seeds = &seeds; }

DropoutSeeds::~DropoutSeeds() { thread_seeds = previous_; }

}  // namespace spotlight::nn
