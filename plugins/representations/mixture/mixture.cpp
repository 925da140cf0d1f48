// mixture: Spotlight's MixtureLSTMNet (mixture of tastes). An LSTM reads the history as in
// `lstm` (with its fused layer); a linear layer turns each output into num_mixtures taste
// vectors and as many attention vectors. An item is scored against the tastes, weighted by
// the softmax of its match with the attention vectors:
// score = sum_m softmax_m(a_m . e) (t_m . e) + bias.
#include <vector>

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include "../lstm/lstm_layer.h"
#include "../recurrent_layer.h"
#include "mixture_scores.h"
#include "spotlight/sdk/nn/sequence_representation.h"
#include "spotlight/sdk/plugin.h"

namespace {

// Every history position's score against its items as one autograd node over the loops of
// mixture_scores: states (positions, 2 M dim) and item vectors (samples, positions, dim) give
// (samples, positions) scores, with no (samples, positions, M, dim) temporaries forward or
// backward (the tensor version's products of many tiny matrices took most of an epoch).
class MixtureScores : public torch::autograd::Function<MixtureScores> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* context, const torch::Tensor& states,
                               const torch::Tensor& vectors, int64_t mixtures) {
    const auto state_rows = states.contiguous();
    const auto items = vectors.contiguous();
    const int64_t samples = items.size(0), positions = items.size(1), dim = items.size(2);
    auto scores = torch::empty({positions, samples}, items.options());
    auto weights = torch::empty({positions, samples, mixtures}, items.options());
    auto taste_scores = torch::empty_like(weights);
    const float* state = state_rows.data_ptr<float>();
    const float* vector = items.data_ptr<float>();
    float* score = scores.data_ptr<float>();
    float* weight = weights.data_ptr<float>();
    float* taste = taste_scores.data_ptr<float>();
    const int64_t width = state_rows.size(1);
    at::parallel_for(0, positions, 64, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        mixture_scores::forward(state + p * width, vector + p * dim, positions * dim, samples, mixtures, dim,
                                score + p * samples, weight + p * samples * mixtures,
                                taste + p * samples * mixtures);
      }
    });
    context->save_for_backward({state_rows, items, scores, weights, taste_scores});
    context->saved_data["mixtures"] = mixtures;
    return scores.t();
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::variable_list output_gradients) {
    const auto saved = context->get_saved_variables();
    const auto &state_rows = saved[0], &items = saved[1], &scores = saved[2], &weights = saved[3];
    const auto& taste_scores = saved[4];
    const int64_t mixtures = context->saved_data["mixtures"].toInt();
    const int64_t samples = items.size(0), positions = items.size(1), dim = items.size(2);
    const int64_t width = state_rows.size(1);
    const auto gradients = output_gradients[0].contiguous();  // (samples, positions)
    auto d_states = torch::zeros_like(state_rows);
    auto d_vectors = torch::empty_like(items);
    const float* state = state_rows.data_ptr<float>();
    const float* vector = items.data_ptr<float>();
    const float* score = scores.data_ptr<float>();
    const float* weight = weights.data_ptr<float>();
    const float* taste = taste_scores.data_ptr<float>();
    const float* gradient = gradients.data_ptr<float>();
    float* d_state = d_states.data_ptr<float>();
    float* d_vector = d_vectors.data_ptr<float>();
    at::parallel_for(0, positions, 64, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        mixture_scores::backward(state + p * width, vector + p * dim, positions * dim, samples, mixtures, dim,
                                 score + p * samples, weight + p * samples * mixtures,
                                 taste + p * samples * mixtures, gradient + p, positions, d_state + p * width,
                                 d_vector + p * dim);
      }
    });
    return {d_states, d_vectors, torch::Tensor()};
  }
};

class MixtureLstmNet : public spotlight::nn::SequenceRepresentation {
 public:
  MixtureLstmNet(spotlight::nn::SequenceTables tables, int64_t num_mixtures)
      : SequenceRepresentation(std::move(tables.items), std::move(tables.item_biases)),
        num_mixtures_(num_mixtures),
        lstm_(register_module("lstm", torch::nn::LSTM(torch::nn::LSTMOptions(dim(), dim()).batch_first(true)))),
        projection_(register_module("projection", torch::nn::Linear(dim(), 2 * num_mixtures * dim()))) {}

  // A state is (..., 2 * num_mixtures * dim): the taste vectors, then the attention vectors.
  // Reads its parameters only; its dropout is spotlight::nn::dropout.
  bool encodes_concurrently() const override { return true; }

  spotlight::SequenceStates encode_sequences(const torch::Tensor& item_sequences) override {
    auto outputs = projection_->forward(lstm_layer(lstm_, embed_shifted(item_sequences),
                               recurrent_layer::PackedSequences::shifted_padding(item_sequences)));
    const int64_t length = item_sequences.size(1);
    return {outputs.narrow(1, 0, length), outputs.select(1, length)};
  }

  torch::Tensor score(const torch::Tensor& states, const torch::Tensor& item_ids) override {
    // Training's call: one state per position, (1, ...), scored against (samples, ...) items.
    const bool fused = states.device().is_cpu() && states.scalar_type() == torch::kFloat32 &&
                       states.dim() == item_ids.dim() + 1 && item_ids.dim() >= 2 && states.size(0) == 1 &&
                       states.sizes().slice(1, item_ids.dim() - 1) == item_ids.sizes().slice(1);
    if (fused) {
      const int64_t samples = item_ids.size(0), positions = item_ids.numel() / samples;
      auto vectors = items().forward(item_ids).reshape({samples, positions, dim()});
      auto scores = MixtureScores::apply(states.reshape({positions, states.size(-1)}), vectors, num_mixtures_);
      return scores.reshape(item_ids.sizes()) + item_biases().forward(item_ids).squeeze(-1);
    }
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
