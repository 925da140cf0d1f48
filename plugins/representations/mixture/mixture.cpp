// mixture: Spotlight's MixtureLSTMNet (mixture of tastes). An LSTM reads the history as in
// `lstm` (with its fused layer); a linear layer turns each output into num_mixtures taste
// vectors and as many attention vectors. An item is scored against the tastes, weighted by
// the softmax of its match with the attention vectors:
// score = sum_m softmax_m(a_m . e) (t_m . e) + bias.
#include <torch/torch.h>

#include "../lstm/lstm_layer.h"
#include "spotlight/sdk/nn/sequence_representation.h"
#include "spotlight/sdk/plugin.h"

namespace {

class MixtureLstmNet : public spotlight::nn::SequenceRepresentation {
 public:
  MixtureLstmNet(spotlight::nn::SequenceTables tables, int64_t num_mixtures)
      : SequenceRepresentation(std::move(tables.items), std::move(tables.item_biases)),
        num_mixtures_(num_mixtures),
        lstm_(register_module("lstm", torch::nn::LSTM(torch::nn::LSTMOptions(dim(), dim()).batch_first(true)))),
        projection_(register_module("projection", torch::nn::Linear(dim(), 2 * num_mixtures * dim()))) {}

  // A state is (..., 2 * num_mixtures * dim): the taste vectors, then the attention vectors.
  spotlight::SequenceStates encode_sequences(const torch::Tensor& item_sequences) override {
    auto outputs = projection_->forward(lstm_layer(lstm_, embed_shifted(item_sequences)));
    const int64_t length = item_sequences.size(1);
    return {outputs.narrow(1, 0, length), outputs.select(1, length)};
  }

  torch::Tensor score(const torch::Tensor& states, const torch::Tensor& item_ids) override {
    auto [tastes, attention] = split(states);             // (..., M, dim) each
    auto vectors = items().forward(item_ids).unsqueeze(-1);  // (..., dim, 1)
    auto weights = torch::softmax(torch::matmul(attention, vectors).squeeze(-1), -1);
    auto taste_scores = torch::matmul(tastes, vectors).squeeze(-1);
    return (weights * taste_scores).sum(-1) + item_biases().forward(item_ids).squeeze(-1);
  }

  torch::Tensor score_all(const torch::Tensor& states) override {
    auto [tastes, attention] = split(states);  // (batch, M, dim) each
    auto table = items().all().t();            // (dim, items)
    auto weights = torch::softmax(torch::matmul(attention, table), 1);
    return (weights * torch::matmul(tastes, table)).sum(1) + item_biases().all().t();
  }

 private:
  std::pair<torch::Tensor, torch::Tensor> split(const torch::Tensor& states) const {
    auto shape = states.sizes().vec();
    shape.back() = 2 * num_mixtures_;
    shape.push_back(dim());
    auto components = states.reshape(shape);
    return {components.narrow(-2, 0, num_mixtures_), components.narrow(-2, num_mixtures_, num_mixtures_)};
  }

  int64_t num_mixtures_;
  torch::nn::LSTM lstm_;
  torch::nn::Linear projection_;
};

std::shared_ptr<MixtureLstmNet> make_mixture(const spotlight::ComponentArgs& args) {
  return std::make_shared<MixtureLstmNet>(spotlight::nn::sequence_tables(args), args.integer("num_mixtures"));
}

}  // namespace

SPOTLIGHT_PLUGIN(MixtureLstmNet, make_mixture, "mixture", "1.0.0",
                 "Sequence representation: an LSTM whose output is a mixture of tastes with attention "
                 "(Spotlight's MixtureLSTMNet)",
                 spotlight::schema({spotlight::Parameter::integer("num_mixtures", 4, "Number of taste vectors")
                                        .at_least(1)
                                        .at_most(spotlight::kMaxCount)},
                                   spotlight::nn::sequence_table_parameters()))
