// lstm: Spotlight's LSTMNet. A one-layer LSTM reads a zero vector, then the item vectors;
// its output before reading item t is the state that predicts item t.
#include <torch/torch.h>

#include "../recurrent_layer.h"
#include "lstm_layer.h"
#include "spotlight/sdk/nn/sequence_representation.h"
#include "spotlight/sdk/plugin.h"

namespace {

class LstmNet : public spotlight::nn::SequenceRepresentation {
 public:
  explicit LstmNet(spotlight::nn::SequenceTables tables)
      : SequenceRepresentation(std::move(tables.items), std::move(tables.item_biases)),
        lstm_(register_module("lstm", torch::nn::LSTM(torch::nn::LSTMOptions(dim(), dim()).batch_first(true)))) {}

  // Reads its parameters only; its dropout is spotlight::nn::dropout.
  bool encodes_concurrently() const override { return true; }

  spotlight::SequenceStates encode_sequences(const torch::Tensor& item_sequences) override {
    // (batch, length + 1, dim): output t has read the zero vector and items 0..t-1.
    auto outputs = lstm_layer(lstm_, embed_shifted(item_sequences),
                               recurrent_layer::PackedSequences::shifted_padding(item_sequences));
    const int64_t length = item_sequences.size(1);
    return {outputs.narrow(1, 0, length), outputs.select(1, length)};
  }

 private:
  torch::nn::LSTM lstm_;
};

std::shared_ptr<LstmNet> make_lstm(const spotlight::ComponentArgs& args) {
  return std::make_shared<LstmNet>(spotlight::nn::sequence_tables(args));
}

}  // namespace

SPOTLIGHT_PLUGIN(LstmNet, make_lstm, "lstm", "1.0.0",
                 "Sequence representation: a one-layer LSTM over the items seen so far (Spotlight's LSTMNet)",
                 spotlight::nn::sequence_table_parameters())
