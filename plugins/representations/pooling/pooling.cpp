// pooling: Spotlight's PoolNet. The state before step t is the running mean of the item
// vectors seen so far, taken per dimension over the non-zero entries and divided by
// (count + 1), exactly as Spotlight does, so the empty history is the zero vector.
#include <torch/torch.h>

#include "spotlight/sdk/nn/sequence_representation.h"
#include "spotlight/sdk/plugin.h"

namespace {

class PoolNet : public spotlight::nn::SequenceRepresentation {
 public:
  explicit PoolNet(spotlight::nn::SequenceTables tables)
      : SequenceRepresentation(std::move(tables.items), std::move(tables.item_biases)) {}

  spotlight::SequenceStates encode_sequences(const torch::Tensor& item_sequences) override {
    auto vectors = embed(item_sequences);  // (batch, length, dim)
    auto sums = vectors.cumsum(1);
    auto counts = vectors.ne(0).to(vectors.scalar_type()).cumsum(1);
    auto after = sums / (counts + 1);  // the state after seeing items 0..t
    const int64_t length = item_sequences.size(1);
    // The state before step t is the one after step t - 1; before step 0 it is zero.
    auto per_step = torch::constant_pad_nd(after.narrow(1, 0, length - 1), {0, 0, 1, 0});
    return {per_step, after.select(1, length - 1)};
  }
};

std::shared_ptr<spotlight::Component> make_pooling(const spotlight::ComponentArgs& args) {
  return std::make_shared<PoolNet>(spotlight::nn::sequence_tables(args));
}

}  // namespace

SPOTLIGHT_PLUGIN(make_pooling, "pooling", spotlight::ComponentKind::representation, "1.0.0",
                 "Sequence representation: running mean of the items seen so far (Spotlight's PoolNet)",
                 SPOTLIGHT_SEQUENCE_TABLE_PARAMETERS)
