// gru4rec: session-based recommendation with recurrent networks (Hidasi et al. 2016). Stacked
// GRU layers read a zero vector, then the item vectors; the output before reading item t is
// the state that predicts item t. When the GRU is wider or narrower than the item table, a
// linear map brings its output to the table's width, so scores stay <state, item vector> +
// item bias against the shared table.
#include <string>

#include <torch/torch.h>

#include "../recurrent_layer.h"
#include "gru_layer.h"
#include "spotlight/sdk/nn/dropout.h"
#include "spotlight/sdk/nn/sequence_representation.h"
#include "spotlight/sdk/plugin.h"

namespace {

struct Gru4recSettings {
  int64_t num_layers = 1;
  int64_t hidden_dim = 0;
  double embedding_dropout = 0.0;
  double hidden_dropout = 0.25;
};

class Gru4recNet : public spotlight::nn::SequenceRepresentation {
 public:
  Gru4recNet(spotlight::nn::SequenceTables tables, const Gru4recSettings& settings)
      : SequenceRepresentation(std::move(tables.items), std::move(tables.item_biases)),
        num_layers_(settings.num_layers),
        embedding_dropout_(settings.embedding_dropout),
        between_layers_dropout_(settings.num_layers > 1 ? settings.hidden_dropout : 0.0),
        hidden_dropout_(settings.hidden_dropout) {
    // LibTorch's GRU (other devices) drops out between layers; hidden_dropout_ does the same
    // after the last one.
    gru_ = register_module("gru", torch::nn::GRU(torch::nn::GRUOptions(dim(), settings.hidden_dim)
                                                     .num_layers(settings.num_layers)
                                                     .dropout(settings.num_layers > 1 ? settings.hidden_dropout : 0.0)
                                                     .batch_first(true)));
    if (settings.hidden_dim != dim()) {
      projection_ = register_module("projection", torch::nn::Linear(settings.hidden_dim, dim()));
    }
  }

  // Reads its parameters only; its dropout is spotlight::nn::dropout.
  bool encodes_concurrently() const override { return true; }

  spotlight::SequenceStates encode_sequences(const torch::Tensor& item_sequences) override {
    // (batch, length + 1, dim): output t has read the zero vector and items 0..t-1.
    auto inputs = spotlight::nn::dropout(embed_shifted(item_sequences), embedding_dropout_, is_training());
    auto outputs = spotlight::nn::dropout(
        run_gru(inputs, recurrent_layer::PackedSequences::shifted_padding(item_sequences)), hidden_dropout_,
        is_training());
    if (projection_) outputs = projection_->forward(outputs);
    const int64_t length = item_sequences.size(1);
    return {outputs.narrow(1, 0, length), outputs.select(1, length)};
  }

 private:
  // The layers through gru_layer on CPU float tensors (LibTorch's GRU elsewhere), with the
  // module's parameters and its dropout between layers. The first layer's inputs are zero for
  // the first skip[b] steps of sequence b (the zero step and the left padding).
  torch::Tensor run_gru(const torch::Tensor& inputs, const std::vector<int64_t>& skip) {
    if (!inputs.device().is_cpu() || inputs.scalar_type() != torch::kFloat32) return std::get<0>(gru_->forward(inputs));
    auto parameters = gru_->named_parameters();
    torch::Tensor outputs = inputs;
    for (int64_t layer = 0; layer < num_layers_; ++layer) {
      const std::string suffix = "_l" + std::to_string(layer);
      if (layer > 0) outputs = spotlight::nn::dropout(outputs, between_layers_dropout_, is_training());
      outputs = gru_layer(outputs, parameters["weight_ih" + suffix], parameters["weight_hh" + suffix],
                          parameters["bias_ih" + suffix], parameters["bias_hh" + suffix], layer == 0 ? skip : std::vector<int64_t>{});
    }
    return outputs;
  }

  int64_t num_layers_;
  double embedding_dropout_;
  double between_layers_dropout_;
  double hidden_dropout_;
  torch::nn::GRU gru_{nullptr};
  torch::nn::Linear projection_{nullptr};
};

std::shared_ptr<Gru4recNet> make_gru4rec(const spotlight::ComponentArgs& args) {
  auto tables = spotlight::nn::sequence_tables(args);
  Gru4recSettings settings;
  settings.num_layers = args.integer("num_layers");
  settings.hidden_dim = args.integer_or("hidden_dim", tables.dim);
  settings.embedding_dropout = args.number("embedding_dropout");
  settings.hidden_dropout = args.number("hidden_dropout");
  return std::make_shared<Gru4recNet>(std::move(tables), settings);
}

}  // namespace

SPOTLIGHT_PLUGIN(
    Gru4recNet, make_gru4rec, "gru4rec", "1.0.0",
    "Sequence representation: stacked GRU layers over the items seen so far (GRU4Rec, Hidasi et al. 2016); "
    "defaults suit MovieLens-100K-sized data: one layer as wide as the item table, hidden dropout 0.25 (small data "
    "overfits), no embedding dropout",
    spotlight::schema(
        {spotlight::Parameter::integer("num_layers", 1, "Number of stacked GRU layers")
             .at_least(1)
             .at_most(spotlight::kMaxCount),
         spotlight::Parameter::integer("hidden_dim", std::nullopt,
                                       "Width of the GRU state (default: the item width; otherwise a linear map "
                                       "brings the output to the item width)")
             .at_least(1)
             .at_most(spotlight::kMaxWidth)
             .optional(),
         spotlight::Parameter::number("embedding_dropout", 0.0, "Dropout on the item vectors read, while training")
             .at_least(0)
             .at_most(0.95),
         spotlight::Parameter::number("hidden_dropout", 0.25,
                                      "Dropout on each GRU layer's output, while training")
             .at_least(0)
             .at_most(0.95)},
        spotlight::nn::sequence_table_parameters()))
