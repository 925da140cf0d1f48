// sasrec: self-attentive sequential recommendation (Kang & McAuley 2018). Each item vector,
// scaled by sqrt(dim), plus a learned vector for its position, passes through blocks of
// causal self-attention; the output at step t predicts item t, scored like every sequence
// network here against the item table: <state, item vector> + item bias.
//
// The network reads the history behind one start slot (a zero item vector, plus the
// position-0 vector), so input t holds item t-1. The start slot is a key every query may
// read: a query whose earlier inputs are all left padding still has one key to weigh, so
// its softmax never divides by zero (NaN), and it predicts the first item from the start
// slot alone. Padding inputs are zero and never a key, so padding reaches no state. Steps
// whose item is padding predict nothing: their states are zero and cost no computation.
#include <cmath>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "causal_self_attention_block.h"
#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/nn/dropout.h"
#include "spotlight/sdk/nn/gather_rows.h"
#include "spotlight/sdk/nn/sequence_representation.h"
#include "spotlight/sdk/plugin.h"

namespace {

struct SasrecSettings {
  int64_t max_length = 200;
  int64_t num_blocks = 2;
  int64_t num_heads = 1;
  int64_t feed_forward_dim = 0;
  double dropout = 0.2;
  bool norm_first = true;
  bool gelu = false;
};

class SasrecNet : public spotlight::nn::SequenceRepresentation {
 public:
  SasrecNet(spotlight::nn::SequenceTables tables, const SasrecSettings& settings)
      : SequenceRepresentation(std::move(tables.items), std::move(tables.item_biases)),
        max_length_(settings.max_length),
        dropout_(settings.dropout) {
    // Row 0 is the start slot; row t + 1 the position of item t. Small at first, so that
    // an item's identity outweighs its position until training says otherwise.
    positions_ = register_module("position_embeddings", torch::nn::Embedding(max_length_ + 1, dim()));
    {
      torch::NoGradGuard no_grad;
      positions_->weight.normal_(0.0, 1.0 / std::sqrt(static_cast<double>(dim())));
    }
    const auto block = CausalSelfAttentionBlockOptions(dim(), settings.num_heads, settings.feed_forward_dim)
                           .dropout(settings.dropout)
                           .norm_first(settings.norm_first)
                           .gelu(settings.gelu);
    for (int64_t b = 0; b < settings.num_blocks; ++b) {
      blocks_.push_back(register_module("block" + std::to_string(b), CausalSelfAttentionBlock(block)));
    }
    final_norm_ = register_module("final_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim()}).eps(1e-8)));
  }

  // Reads its parameters only; its dropout is spotlight::nn::dropout.
  bool encodes_concurrently() const override { return true; }

  spotlight::SequenceStates encode_sequences(const torch::Tensor& item_sequences) override {
    const int64_t batch = item_sequences.size(0), length = item_sequences.size(1);
    if (length > max_length_) {
      throw spotlight::Error("sasrec: a sequence of " + std::to_string(length) + " items is longer than max_length (" +
                             std::to_string(max_length_) + "); raise the representation's max_length");
    }
    // Input t is a key when it is the start slot or a real item; the output at input t is
    // needed when item t is real (it predicts it) and at the end (the final state).
    const auto item_real = item_sequences.ne(0);
    const auto always = torch::ones({batch, 1}, item_real.options());
    const auto key = torch::cat({always, item_real}, 1);
    const auto kept = key.logical_or(torch::cat({item_real, always}, 1)).reshape({-1});
    // Only the kept inputs go through the blocks, as rows of one (rows, dim) matrix, sequence
    // after sequence: padding costs nothing, and the result is the one of every input at once
    // (padding inputs are no key, and every other output is discarded). A kept input that is
    // no key (the one before a sequence's first item) is zero, like the start slot's item part.
    const auto rows = kept.nonzero().squeeze(1);
    const auto row_is_key = key.reshape({-1}).index_select(0, rows);
    const auto shifted_ids = torch::constant_pad_nd(item_sequences.to(torch::kInt64), {1, 0}).reshape({-1});
    const auto item_part = embed(shifted_ids.index_select(0, rows).unsqueeze(0)).squeeze(0);
    const auto position_part = spotlight::nn::gather_rows(positions_->weight, rows.remainder(length + 1));
    auto x = item_part * std::sqrt(static_cast<double>(dim())) +
             position_part * row_is_key.unsqueeze(1).to(position_part.scalar_type());
    x = spotlight::nn::dropout(x, dropout_, is_training());
    const auto lengths = kept.view({batch, length + 1}).sum(1).cpu();
    for (auto& block : blocks_) x = block->forward(x, lengths, row_is_key);
    x = apply_norm(final_norm_, x);
    // Each step's state is the row of its input when its item is real, else a zero row after
    // the last; the final state is the row of input `length`.
    const auto row_of_input = kept.cumsum(0).sub_(1).view({batch, length + 1});
    const auto zero_row = x.size(0);
    const auto step_rows = torch::where(item_real, row_of_input.narrow(1, 0, length),
                                        torch::full({}, zero_row, row_of_input.options()));
    const auto per_step = spotlight::nn::gather_rows(torch::constant_pad_nd(x, {0, 0, 0, 1}), step_rows.reshape({-1}))
                              .view({batch, length, dim()});
    return {per_step, spotlight::nn::gather_rows(x, row_of_input.select(1, length).contiguous())};
  }

 private:
  int64_t max_length_;
  torch::nn::Embedding positions_{nullptr};
  double dropout_;
  std::vector<CausalSelfAttentionBlock> blocks_;
  torch::nn::LayerNorm final_norm_{nullptr};
};

std::shared_ptr<SasrecNet> make_sasrec(const spotlight::ComponentArgs& args) {
  auto tables = spotlight::nn::sequence_tables(args);
  SasrecSettings settings;
  settings.max_length = args.integer("max_length");
  settings.num_blocks = args.integer("num_blocks");
  settings.num_heads = args.integer("num_heads");
  if (tables.dim % settings.num_heads != 0) {
    args.fail("num_heads", std::to_string(settings.num_heads) + " heads do not divide the width " +
                               std::to_string(tables.dim) + "; choose a divisor of it");
  }
  settings.feed_forward_dim = args.integer_or("feed_forward_dim", tables.dim);
  settings.dropout = args.number("dropout");
  settings.norm_first = args.boolean("norm_first");
  settings.gelu = args.text("activation") == "gelu";
  return std::make_shared<SasrecNet>(std::move(tables), settings);
}

}  // namespace

SPOTLIGHT_PLUGIN(
    SasrecNet, make_sasrec, "sasrec", "1.0.0",
    "Sequence representation: causal self-attention blocks over the items seen so far (SASRec, Kang & McAuley "
    "2018); defaults suit MovieLens-100K-sized data: two blocks, one head, dropout 0.2, pre-LN for stable training",
    spotlight::schema(
        {spotlight::Parameter::integer("max_length", 200,
                                       "Longest sequence it reads (one learned position vector per step); at least "
                                       "sequence.max_length")
             .at_least(1)
             .at_most(spotlight::kMaxWidth),
         spotlight::Parameter::integer("num_blocks", 2, "Number of self-attention blocks")
             .at_least(1)
             .at_most(spotlight::kMaxCount),
         spotlight::Parameter::integer("num_heads", 1, "Attention heads per block; must divide the width")
             .at_least(1)
             .at_most(spotlight::kMaxCount),
         spotlight::Parameter::integer("feed_forward_dim", std::nullopt,
                                       "Hidden width of the point-wise feed-forward layer (default: the width)")
             .at_least(1)
             .at_most(spotlight::kMaxWidth)
             .optional(),
         spotlight::Parameter::text("activation", "relu", "Activation of the feed-forward layer").one_of({"relu", "gelu"}),
         spotlight::Parameter::number("dropout", 0.2,
                                      "Dropout on the inputs, attention weights and sub-layer outputs while training")
             .at_least(0)
             .at_most(0.95),
         spotlight::Parameter::boolean("norm_first", true,
                                       "Layer norm before each sub-layer (pre-LN), else after each residual sum")},
        spotlight::nn::sequence_table_parameters()))
