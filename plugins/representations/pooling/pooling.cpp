// pooling: Spotlight's PoolNet. The state before step t is the running mean of the item
// vectors seen so far, taken per dimension over the non-zero entries and divided by
// (count + 1), exactly as Spotlight does, so the empty history is the zero vector.
#include <torch/torch.h>

#include "running_mean_steps.h"
#include "spotlight/sdk/nn/sequence_representation.h"
#include "spotlight/sdk/plugin.h"

namespace {

// The pooled states as one autograd node over plain loops (running_mean_steps), where the
// tensor form below dispatches two cumulative sums, a comparison, a cast, a division and a
// pad forward and as many backward, each through a (batch, length, dim) temporary.
class RunningMean : public torch::autograd::Function<RunningMean> {
 public:
  // vectors (batch, length, dim) -> {before (batch, length, dim), last (batch, dim)}.
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* context,
                                                const torch::Tensor& vectors) {
    const int64_t batch = vectors.size(0), length = vectors.size(1), dim = vectors.size(2);
    const auto x = vectors.contiguous();
    auto before = torch::empty_like(x);
    auto last = torch::empty({batch, dim}, x.options());
    auto divisors = torch::empty_like(x);
    const float* v = x.data_ptr<float>();
    float* b = before.data_ptr<float>();
    float* l = last.data_ptr<float>();
    float* c = divisors.data_ptr<float>();
    for (int64_t row = 0; row < batch; ++row) {
      const int64_t offset = row * length * dim;
      running_mean_steps::forward(v + offset, length, dim, b + offset, l + row * dim, c + offset);
    }
    context->save_for_backward({divisors});
    return {before, last};
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::variable_list output_gradients) {
    const auto divisors = context->get_saved_variables()[0];
    const int64_t batch = divisors.size(0), length = divisors.size(1), dim = divisors.size(2);
    // An output nobody used has an undefined gradient: zero.
    const auto d_before =
        output_gradients[0].defined() ? output_gradients[0].contiguous() : torch::zeros_like(divisors);
    const auto d_last = output_gradients[1].defined() ? output_gradients[1].contiguous()
                                                      : torch::zeros({batch, dim}, divisors.options());
    auto d_vectors = torch::empty_like(divisors);
    const float* db = d_before.data_ptr<float>();
    const float* dl = d_last.data_ptr<float>();
    const float* c = divisors.data_ptr<float>();
    float* dv = d_vectors.data_ptr<float>();
    for (int64_t row = 0; row < batch; ++row) {
      const int64_t offset = row * length * dim;
      running_mean_steps::backward(db + offset, dl + row * dim, c + offset, length, dim, dv + offset);
    }
    return {d_vectors};
  }
};

class PoolNet : public spotlight::nn::SequenceRepresentation {
 public:
  explicit PoolNet(spotlight::nn::SequenceTables tables)
      : SequenceRepresentation(std::move(tables.items), std::move(tables.item_biases)) {}

  // Reads its parameters only; its dropout is spotlight::nn::dropout.
  bool encodes_concurrently() const override { return true; }

  spotlight::SequenceStates encode_sequences(const torch::Tensor& item_sequences) override {
    auto vectors = embed(item_sequences);  // (batch, length, dim)
    if (vectors.device().is_cpu() && vectors.scalar_type() == torch::kFloat32) {
      auto states = RunningMean::apply(vectors);
      return {states[0], states[1]};
    }
    auto sums = vectors.cumsum(1);
    auto counts = vectors.ne(0).to(vectors.scalar_type()).cumsum(1);
    auto after = sums / (counts + 1);  // the state after seeing items 0..t
    const int64_t length = item_sequences.size(1);
    // The state before step t is the one after step t - 1; before step 0 it is zero.
    auto per_step = torch::constant_pad_nd(after.narrow(1, 0, length - 1), {0, 0, 1, 0});
    return {per_step, after.select(1, length - 1)};
  }
};

std::shared_ptr<PoolNet> make_pooling(const spotlight::ComponentArgs& args) {
  return std::make_shared<PoolNet>(spotlight::nn::sequence_tables(args));
}

}  // namespace

SPOTLIGHT_PLUGIN(PoolNet, make_pooling, "pooling", "1.0.0",
                 "Sequence representation: running mean of the items seen so far (Spotlight's PoolNet)",
                 spotlight::nn::sequence_table_parameters())
