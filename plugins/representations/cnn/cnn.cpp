// cnn: Spotlight's CNNNet, stacked causal atrous convolutions over the item history.
// Layer l maps x to f(b + sum_m W_m x[t - (k-1-m) d]) (+ x[t] with residual connections),
// with x[t] = 0 before the sequence starts. The first layer reads the history behind a zero
// vector, so its newest tap at step t is item t-1: no layer ever sees item t or later.
#include <cmath>

#include <torch/torch.h>

#include "spotlight/sdk/nn/sequence_representation.h"
#include "spotlight/sdk/plugin.h"

namespace {

// One causal convolution over (batch, steps, dim).
class CausalConvolutionImpl : public torch::nn::Module {
 public:
  CausalConvolutionImpl(int64_t dim, int64_t kernel_width, int64_t dilation)
      : kernel_width_(kernel_width), dilation_(dilation) {
    // PyTorch's default convolution init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = dim * kernel_width.
    const double bound = 1.0 / std::sqrt(static_cast<double>(dim * kernel_width));
    torch::NoGradGuard no_grad;
    // Tap m's weights are columns [m dim, (m+1) dim).
    weight_ = register_parameter("weight", torch::empty({dim, kernel_width * dim}).uniform_(-bound, bound));
    bias_ = register_parameter("bias", torch::empty({dim}).uniform_(-bound, bound));
  }

  torch::Tensor forward(const torch::Tensor& x) {
    // Tap m is the input delayed by (k-1-m) d steps; one matmul applies every tap at once.
    const int64_t steps = x.size(1);
    auto padded = torch::constant_pad_nd(x, {0, 0, (kernel_width_ - 1) * dilation_, 0});
    std::vector<torch::Tensor> taps;
    for (int64_t m = 0; m < kernel_width_; ++m) taps.push_back(padded.narrow(1, m * dilation_, steps));
    return torch::linear(taps.size() == 1 ? taps[0] : torch::cat(taps, -1), weight_, bias_);
  }

 private:
  int64_t kernel_width_;
  int64_t dilation_;
  torch::Tensor weight_;
  torch::Tensor bias_;
};
TORCH_MODULE(CausalConvolution);

class CnnNet : public spotlight::nn::SequenceRepresentation {
 public:
  CnnNet(spotlight::nn::SequenceTables tables, const std::vector<int64_t>& kernel_widths,
         const std::vector<int64_t>& dilations, bool relu, bool residual)
      : SequenceRepresentation(std::move(tables.items), std::move(tables.item_biases)), relu_(relu),
        residual_(residual) {
    for (size_t l = 0; l < kernel_widths.size(); ++l) {
      layers_.push_back(register_module("conv" + std::to_string(l),
                                        CausalConvolution(dim(), kernel_widths[l], dilations[l])));
    }
  }

  // Reads its parameters only; its dropout is spotlight::nn::dropout.
  bool encodes_concurrently() const override { return true; }

  spotlight::SequenceStates encode_sequences(const torch::Tensor& item_sequences) override {
    auto x = embed_shifted(item_sequences);  // (batch, length + 1, dim)
    for (auto& layer : layers_) {
      auto z = layer->forward(x);
      auto h = relu_ ? torch::relu(z) : torch::tanh(z);
      x = residual_ ? h + x : h;
    }
    const int64_t length = item_sequences.size(1);
    return {x.narrow(1, 0, length), x.select(1, length)};
  }

 private:
  bool relu_;
  bool residual_;
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
