// cnn: Spotlight's CNNNet, stacked causal atrous convolutions over the item history.
// Layer l maps x to f(b + sum_m W_m x[t - (k-1-m) d]) (+ x[t] with residual connections),
// with x[t] = 0 before the sequence starts. The first layer reads the history behind a zero
// vector, so its newest tap at step t is item t-1: no layer ever sees item t or later.
#include <torch/torch.h>

#include "causal_convolution.h"
#include "spotlight/sdk/nn/sequence_representation.h"
#include "spotlight/sdk/plugin.h"

namespace {

class CnnNet : public spotlight::nn::SequenceRepresentation {
 public:
  CnnNet(spotlight::nn::SequenceTables tables, const std::vector<int64_t>& kernel_widths,
         const std::vector<int64_t>& dilations, bool relu, bool residual)
      : SequenceRepresentation(std::move(tables.items), std::move(tables.item_biases)) {
    for (size_t l = 0; l < kernel_widths.size(); ++l) {
      layers_.push_back(register_module("conv" + std::to_string(l),
                                        CausalConvolution(dim(), kernel_widths[l], dilations[l], relu, residual)));
    }
  }

  // Reads its parameters only (no dropout, no state between calls).
  bool encodes_concurrently() const override { return true; }

  spotlight::SequenceStates encode_sequences(const torch::Tensor& item_sequences) override {
    auto x = embed_shifted(item_sequences);  // (batch, length + 1, dim)
    for (auto& layer : layers_) x = layer->forward(x);
    const int64_t length = item_sequences.size(1);
    return {x.narrow(1, 0, length), x.select(1, length)};
  }

 private:
  std::vector<CausalConvolution> layers_;
};

std::shared_ptr<CnnNet> make_cnn(const spotlight::ComponentArgs& args) {
  const auto layers = static_cast<size_t>(args.integer("num_layers"));
  if (args.has("residual") && args.has("residual_connections")) {
    args.fail("residual", "and residual_connections are the same setting; give only one");
  }
  // Spotlight calls it residual_connections; the experiment schema's shorter name is residual.
  const bool residual = args.boolean_or("residual", args.boolean_or("residual_connections", true));
  auto kernel_widths = args.integers("kernel_width", layers);
  auto dilations = args.integers("dilation", layers);
  return std::make_shared<CnnNet>(spotlight::nn::sequence_tables(args), kernel_widths, dilations,
                                  args.text("nonlinearity") == "relu", residual);
}

}  // namespace

SPOTLIGHT_PLUGIN(
    CnnNet, make_cnn, "cnn", "1.0.0",
    "Sequence representation: stacked causal atrous convolutions (Spotlight's CNNNet)",
    spotlight::schema(
        {spotlight::Parameter::integer("num_layers", 1, "Number of convolutional layers")
             .at_least(1)
             .at_most(spotlight::kMaxCount),
         spotlight::Parameter::integers("kernel_width", 3,
                                        "Kernel width: one for every layer, or a list with one per layer")
             .at_least(1)
             .at_most(spotlight::kMaxCount),
         spotlight::Parameter::integers("dilation", 1, "Dilation: one for every layer, or a list with one per layer")
             .at_least(1)
             .at_most(spotlight::kMaxCount),
         spotlight::Parameter::text("nonlinearity", "tanh", "Activation of each layer").one_of({"tanh", "relu"}),
         spotlight::Parameter::boolean("residual", std::nullopt, "Add each layer's input to its output (default: true)")
             .optional(),
         spotlight::Parameter::boolean("residual_connections", std::nullopt, "Spotlight's name for residual")
             .optional()},
        spotlight::nn::sequence_table_parameters()))
