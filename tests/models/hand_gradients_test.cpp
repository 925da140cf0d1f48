// The hand-gradient path (HandGradientLoss, HandGradientRepresentation) and the fused
// optimizers against LibTorch's autograd and LibTorch's own optimizers: the independent
// computation each is checked with.
#include <sstream>
#include <string>
#include <typeinfo>
#include <vector>

#include "models/plugin_fixture.h"
#include "spotlight/sdk/hand_gradients.h"
#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/loss.h"
#include "spotlight/sdk/optimizer.h"
#include "spotlight/sdk/representation.h"
#include "support/error_message.h"
#include "support/process.h"

namespace spotlight {
namespace {

using nlohmann::json;
using testing::PluginTest;

std::vector<float> values(const torch::Tensor& tensor) {
  auto flat = tensor.detach().contiguous().to(torch::kFloat32).flatten();
  return {flat.data_ptr<float>(), flat.data_ptr<float>() + flat.numel()};
}

void expect_close(const std::vector<float>& actual, const torch::Tensor& expected, float tolerance,
                  const std::string& what) {
  const auto wanted = values(expected);
  ASSERT_EQ(actual.size(), wanted.size()) << what;
  for (size_t i = 0; i < wanted.size(); ++i) EXPECT_NEAR(actual[i], wanted[i], tolerance) << what << " [" << i << "]";
}

class HandGradientLosses : public PluginTest {
 protected:
  std::shared_ptr<Loss> loss(const std::string& name) { return build<Loss>({{"plugin", name}}, ComponentKind::loss); }

  static const HandGradientLoss& by_hand(const std::shared_ptr<Loss>& loss) {
    const auto* hand = dynamic_cast<const HandGradientLoss*>(loss.get());
    EXPECT_NE(hand, nullptr);
    return *hand;
  }

  // Loss value and derivatives from the plugin's tensor formula through autograd, against the hand loops.
  void check_implicit(const std::string& name, int64_t samples) {
    torch::manual_seed(11);
    const int64_t n = 37;
    auto plugin = loss(name);
    auto positive = (torch::randn({n}) * 2).requires_grad_();
    // Some ties and exact hinge margins of 0 among the scores.
    auto negative = (samples == 1 ? torch::randn({n}) * 2 : torch::randn({samples, n}) * 2).detach();
    negative.view({-1}).narrow(0, 0, 3).copy_(positive.detach().narrow(0, 0, 3) - 1.0);
    negative.requires_grad_();
    auto value = plugin->implicit_loss(positive, negative, torch::Tensor());
    value.backward();

    std::vector<float> d_positive(n), d_negative(static_cast<size_t>(samples * n));
    const auto p = values(positive), q = values(negative);
    const double hand = by_hand(plugin).implicit_score_gradients(p.data(), q.data(), n, samples, d_positive.data(),
                                                                  d_negative.data());
    EXPECT_NEAR(hand, value.item<double>(), 1e-5) << name;
    expect_close(d_positive, positive.grad(), 1e-6f, name + " d positive");
    expect_close(d_negative, negative.grad(), 1e-6f, name + " d negative");
  }

  void check_explicit(const std::string& name) {
    torch::manual_seed(12);
    const int64_t n = 41;
    auto plugin = loss(name);
    auto observed = torch::randint(-1, 6, {n}).to(torch::kFloat32);
    auto scores = torch::randn({n}).requires_grad_();
    auto value = plugin->explicit_loss(observed, scores);
    value.backward();

    std::vector<float> d_scores(n);
    const auto o = values(observed), s = values(scores);
    const double hand = by_hand(plugin).explicit_score_gradients(o.data(), s.data(), n, d_scores.data());
    EXPECT_NEAR(hand, value.item<double>(), 1e-5) << name;
    expect_close(d_scores, scores.grad(), 1e-6f, name + " d scores");
  }
};

TEST_F(HandGradientLosses, ImplicitLossesMatchAutograd) {
  check_implicit("bpr", 1);
  check_implicit("pointwise", 1);
  check_implicit("hinge", 1);
  check_implicit("adaptive_hinge", 5);
}

TEST_F(HandGradientLosses, ExplicitLossesMatchAutograd) {
  check_explicit("regression");
  check_explicit("logistic");
  check_explicit("poisson");
}

TEST_F(HandGradientLosses, ALossRefusesTheOtherFeedbackByHandToo) {
  float score = 0.0f, gradient = 0.0f;
  auto bpr = loss("bpr");
  EXPECT_EQ(testing::error_message<Error>([&] { by_hand(bpr).explicit_score_gradients(&score, &score, 1, &gradient); }),
            "this loss is for implicit feedback; it cannot train an explicit (ratings) model");
  auto regression = loss("regression");
  EXPECT_EQ(testing::error_message<Error>(
                [&] { by_hand(regression).implicit_score_gradients(&score, &score, 1, 1, &gradient, &gradient); }),
            "this loss is for explicit feedback (ratings); it cannot train an implicit model");
}

class HandGradientRepresentations : public PluginTest {
 protected:
  std::shared_ptr<Representation> bilinear(const json& node, const json& declared = json::object()) {
    ModelContext context;
    context.num_users = 7;
    context.num_items = 11;
    context.embedding_dim = 5;
    return build<Representation>(node, ComponentKind::representation, context, declared);
  }
  std::shared_ptr<Representation> sequence_network(const std::string& plugin, int64_t num_items, int64_t dim) {
    ModelContext context;
    context.num_items = num_items;
    context.embedding_dim = dim;
    return build<Representation>({{"plugin", plugin}}, ComponentKind::representation, context);
  }
  // A sequence network's states for `sequences` and a random weighting of them, already
  // back-propagated; the same weighting of a reference's states must give the same gradients.
  struct WeightedStates {
    SequenceStates states;
    torch::Tensor per_step_weights, final_weights;
    torch::Tensor weigh(const torch::Tensor& per_step, const torch::Tensor& final_state) const {
      return (per_step * per_step_weights).sum() + (final_state * final_weights).sum();
    }
  };
  // The lstm network's states and gradients for `sequences` against torch::nn::LSTM's.
  static void expect_lstm_matches_libtorch(const std::shared_ptr<Representation>& lstm, const torch::Tensor& sequences);
  static WeightedStates encode_and_backward(Representation& network, const torch::Tensor& sequences) {
    WeightedStates result;
    result.states = network.encode_sequences(sequences);
    result.per_step_weights = torch::randn(result.states.per_step.sizes());
    result.final_weights = torch::randn(result.states.final.sizes());
    result.weigh(result.states.per_step, result.states.final).backward();
    return result;
  }
};

TEST_F(HandGradientRepresentations, ScoresAndGradientsMatchAutograd) {
  torch::manual_seed(13);
  auto representation = bilinear({{"plugin", "bilinear"}});
  auto* hand = dynamic_cast<HandGradientRepresentation*>(representation.get());
  ASSERT_NE(hand, nullptr);
  ASSERT_TRUE(hand->hand_gradients_available());
  {  // non-zero biases, so that their gradients and scores are exercised
    torch::NoGradGuard no_grad;
    for (auto& parameter : representation->parameters()) parameter.uniform_(-1, 1);
  }
  const int64_t n = 6, k = 3;
  // Repeated users and items: their gradients must add up.
  auto users = torch::tensor({0, 3, 3, 6, 1, 0}, torch::kInt64);
  auto items = torch::tensor({{0, 10, 5, 5, 2, 7}, {1, 1, 1, 9, 4, 3}, {10, 0, 5, 8, 8, 2}}, torch::kInt64);
  auto d_scores = torch::randn({k, n});

  auto scores = representation->score(representation->encode_users(users).unsqueeze(0), items);
  (scores * d_scores).sum().backward();
  std::vector<torch::Tensor> expected;
  for (auto& parameter : representation->parameters()) {
    expected.push_back(parameter.grad().clone());
    parameter.mutable_grad().zero_();
  }

  std::vector<float> hand_scores(static_cast<size_t>(k * n));
  hand->score_pairs(users.data_ptr<int64_t>(), items.data_ptr<int64_t>(), n, k, hand_scores.data());
  expect_close(hand_scores, scores, 1e-5f, "scores");
  const auto gradients = values(d_scores);
  for (int round = 0; round < 2; ++round) {  // the second call replaces the first's gradients
    hand->set_score_gradients(users.data_ptr<int64_t>(), items.data_ptr<int64_t>(), n, k, gradients.data());
  }
  size_t index = 0;
  for (const auto& parameter : representation->named_parameters()) {
    ASSERT_FALSE(parameter.value().grad().is_sparse());
    expect_close(values(parameter.value().grad()), expected[index++], 1e-5f, parameter.key());
  }

  // The same representation with sparse gradients: only the touched rows, summing to the same.
  auto sparse = bilinear({{"plugin", "bilinear"}, {"sparse", true}});
  {
    torch::NoGradGuard no_grad;
    auto source = representation->parameters();
    auto target = sparse->parameters();
    for (size_t i = 0; i < source.size(); ++i) target[i].copy_(source[i]);
  }
  auto& sparse_hand = dynamic_cast<HandGradientRepresentation&>(*sparse);
  ASSERT_TRUE(sparse_hand.hand_gradients_available());
  sparse_hand.set_score_gradients(users.data_ptr<int64_t>(), items.data_ptr<int64_t>(), n, k, gradients.data());
  index = 0;
  for (const auto& parameter : sparse->named_parameters()) {
    const auto& gradient = parameter.value().grad();
    ASSERT_TRUE(gradient.is_sparse()) << parameter.key();
    // One row per lookup: n for a user table, n * k for an item table.
    EXPECT_EQ(gradient._nnz(), parameter.key().rfind("user", 0) == 0 ? n : n * k) << parameter.key();
    expect_close(values(gradient.to_dense()), expected[index++], 1e-5f, "sparse " + parameter.key());
  }

  // A second call replaces the sparse gradients; the first parameter's is still held here, so
  // it must be left as it was, and that parameter gets a new one.
  const auto held = sparse->parameters()[0].grad();
  const auto held_values = held.to_dense().clone();
  std::vector<const void*> last_storage;  // the other parameters' gradients are written in place
  for (size_t i = 1; i < sparse->parameters().size(); ++i) {
    last_storage.push_back(sparse->parameters()[i].grad()._values().data_ptr());
  }
  const auto doubled = values(d_scores * 2);
  sparse_hand.set_score_gradients(users.data_ptr<int64_t>(), items.data_ptr<int64_t>(), n, k, doubled.data());
  for (size_t i = 1; i < sparse->parameters().size(); ++i) {
    EXPECT_EQ(sparse->parameters()[i].grad()._values().data_ptr(), last_storage[i - 1]) << i;
  }
  index = 0;
  for (const auto& parameter : sparse->named_parameters()) {
    expect_close(values(parameter.value().grad().to_dense()), expected[index++] * 2, 1e-5f,
                 "second sparse " + parameter.key());
  }
  EXPECT_TRUE(torch::equal(held.to_dense(), held_values));
  EXPECT_FALSE(held.is_same(sparse->parameters()[0].grad()));
}

TEST_F(HandGradientRepresentations, TablesItCannotDifferentiateSendItToAutograd) {
  auto bloom = bilinear({{"plugin", "bilinear"}, {"item_embedding", "@items"}},
                        {{"items", {{"plugin", "bloom_embedding"}, {"of", "items"}, {"dim", 5}}}});
  EXPECT_FALSE(dynamic_cast<HandGradientRepresentation&>(*bloom).hand_gradients_available());
  auto shared = bilinear({{"plugin", "bilinear"}, {"item_embedding", "@items"}},
                         {{"items", {{"plugin", "scaled_embedding"}, {"of", "items"}, {"dim", 5}}}});
  EXPECT_TRUE(dynamic_cast<HandGradientRepresentation&>(*shared).hand_gradients_available());
  auto padded = bilinear(
      {{"plugin", "bilinear"}, {"item_embedding", "@items"}},
      {{"items", {{"plugin", "scaled_embedding"}, {"of", "items"}, {"dim", 5}, {"padding_idx", 0}}}});
  EXPECT_FALSE(dynamic_cast<HandGradientRepresentation&>(*padded).hand_gradients_available());
}

// SequenceRepresentation::score reads the item tables in place (one autograd node); against
// LibTorch's embedding with the same padding row, for the training layout (states broadcast
// over positives and negatives) and the plain one.
TEST_F(HandGradientRepresentations, SequenceScoresMatchEmbeddingLookups) {
  torch::manual_seed(16);
  auto pooling = sequence_network("pooling", 9, 4);
  {
    torch::NoGradGuard no_grad;
    for (auto& parameter : pooling->parameters()) parameter.uniform_(-1, 1);
  }
  const auto named = pooling->named_parameters();
  const auto vectors = named["item_embeddings.table.weight"];
  const auto biases = named["item_biases.table.weight"];
  for (const bool broadcast : {true, false}) {
    auto states = torch::randn(broadcast ? std::vector<int64_t>{1, 3, 5, 4} : std::vector<int64_t>{3, 5, 4})
                      .requires_grad_();
    // Padding (0) and repeated items among the ids.
    auto ids = torch::randint(0, 9, broadcast ? std::vector<int64_t>{4, 3, 5} : std::vector<int64_t>{3, 5}, torch::kInt64);
    auto weights = torch::randn(ids.sizes());
    for (auto& parameter : pooling->parameters()) parameter.mutable_grad() = torch::Tensor();
    auto scores = pooling->score(states, ids);
    ASSERT_EQ(scores.sizes(), ids.sizes());
    (scores * weights).sum().backward();
    const auto d_states = states.grad().clone();
    const auto d_vectors = vectors.grad().clone();
    const auto d_biases = biases.grad().clone();

    auto reference_states = states.detach().clone().requires_grad_();
    auto table = vectors.detach().clone().requires_grad_();
    auto bias_table = biases.detach().clone().requires_grad_();
    auto expected = (reference_states * torch::embedding(table, ids, 0)).sum(-1) +
                    torch::embedding(bias_table, ids, 0).squeeze(-1);
    (expected * weights).sum().backward();
    EXPECT_TRUE(torch::allclose(scores, expected, 1e-5, 1e-6)) << broadcast;
    EXPECT_TRUE(torch::allclose(d_states, reference_states.grad(), 1e-5, 1e-6)) << broadcast;
    EXPECT_TRUE(torch::allclose(d_vectors, table.grad(), 1e-5, 1e-6)) << broadcast;
    EXPECT_TRUE(torch::allclose(d_biases, bias_table.grad(), 1e-5, 1e-6)) << broadcast;
    EXPECT_TRUE(torch::equal(d_vectors[0], torch::zeros({4})));  // the padding row never learns
  }
}

// The lstm representation runs its recurrence as one autograd node; against torch::nn::LSTM
// with the same parameters, states and every gradient.
void HandGradientRepresentations::expect_lstm_matches_libtorch(const std::shared_ptr<Representation>& lstm,
                                                               const torch::Tensor& sequences) {
  const int64_t steps = sequences.size(1);
  const auto weighted = encode_and_backward(*lstm, sequences);
  const auto& states = weighted.states;

  auto named = lstm->named_parameters();
  torch::nn::LSTM reference(torch::nn::LSTMOptions(6, 6).batch_first(true));
  {
    torch::NoGradGuard no_grad;
    for (const char* name : {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"}) {
      reference->named_parameters()[name].copy_(named[std::string("lstm.") + name]);
    }
  }
  auto table = named["item_embeddings.table.weight"].detach().clone().requires_grad_();
  auto embedded = torch::embedding(table, sequences, 0) * sequences.ne(0).unsqueeze(-1).to(torch::kFloat32);
  auto outputs = std::get<0>(reference->forward(torch::constant_pad_nd(embedded, {0, 0, 1, 0})));
  auto per_step = outputs.narrow(1, 0, steps);
  auto final_state = outputs.select(1, steps);
  weighted.weigh(per_step, final_state).backward();

  EXPECT_TRUE(torch::allclose(states.per_step, per_step, 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(states.final, final_state, 1e-5, 1e-6));
  for (const char* name : {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"}) {
    EXPECT_TRUE(torch::allclose(named[std::string("lstm.") + name].grad(), reference->named_parameters()[name].grad(),
                                1e-4, 1e-5))
        << name;
  }
  EXPECT_TRUE(torch::allclose(named["item_embeddings.table.weight"].grad(), table.grad(), 1e-4, 1e-5));
}

TEST_F(HandGradientRepresentations, LstmMatchesLibTorchsLstm) {
  torch::manual_seed(17);
  // Left padding of different lengths (the steps it skips run once for the batch), a padding
  // id inside a sequence and a sequence of nothing but padding.
  expect_lstm_matches_libtorch(
      sequence_network("lstm", 12, 6),
      torch::tensor({{0, 0, 3, 5, 11, 2, 7}, {4, 4, 1, 9, 0, 6, 8}, {0, 0, 0, 0, 0, 2, 10}, {0, 0, 0, 0, 0, 0, 0}},
                    torch::kInt64));
}

// Enough rows (template and kept, 200 or so) that the gradients' pass over blocks of rows has
// several blocks, with the template's last rows and the first kept rows in one block.
TEST_F(HandGradientRepresentations, LstmMatchesLibTorchsLstmOverManyRows) {
  torch::manual_seed(19);
  auto sequences = torch::randint(1, 12, {24, 9}, torch::kInt64);
  for (int64_t b = 0; b < sequences.size(0); ++b) sequences[b].narrow(0, 0, b % 10).zero_();  // 0 to 9 padding ids
  expect_lstm_matches_libtorch(sequence_network("lstm", 12, 6), sequences);
}

// The LSTM layer writes its gates' derivatives over their saved activations, so a second
// backward pass through the same graph is refused by message, not run on derivatives.
TEST_F(HandGradientRepresentations, LstmRefusesASecondBackwardPass) {
  torch::manual_seed(18);
  auto lstm = sequence_network("lstm", 12, 6);
  const auto sequences = torch::tensor({{0, 3, 5, 11}, {4, 1, 9, 6}}, torch::kInt64);
  const auto total = lstm->encode_sequences(sequences).per_step.sum();
  total.backward({}, /*retain_graph=*/true);
  const std::string message = testing::error_message([&] { total.backward(); });
  EXPECT_NE(message.find("lstm: its graph was differentiated twice; the layer keeps its gate activations for one "
                         "backward pass only"),
            std::string::npos)
      << message;
}

// gru4rec runs each GRU layer as one autograd node; against torch::nn::GRU with the same
// parameters (two layers, a state wider than the items, so the projection is used too),
// states and every gradient.
TEST_F(HandGradientRepresentations, Gru4recMatchesLibTorchsGru) {
  torch::manual_seed(19);
  ModelContext context;
  context.num_items = 12;
  context.embedding_dim = 6;
  auto gru4rec = build<Representation>(
      {{"plugin", "gru4rec"}, {"num_layers", 2}, {"hidden_dim", 5}, {"hidden_dropout", 0.0}},
      ComponentKind::representation, context);
  auto sequences = torch::tensor(
      {{0, 0, 3, 5, 11, 2, 7}, {4, 4, 1, 9, 0, 6, 8}, {0, 0, 0, 0, 0, 2, 10}, {0, 0, 0, 0, 0, 0, 0}}, torch::kInt64);
  const auto weighted = encode_and_backward(*gru4rec, sequences);
  const auto& states = weighted.states;

  auto named = gru4rec->named_parameters();
  const std::vector<std::string> gru_parameters = {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                                                   "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"};
  torch::nn::GRU reference(torch::nn::GRUOptions(6, 5).num_layers(2).batch_first(true));
  auto projection_weight = named["projection.weight"].detach().clone().requires_grad_();
  auto projection_bias = named["projection.bias"].detach().clone().requires_grad_();
  {
    torch::NoGradGuard no_grad;
    for (const auto& name : gru_parameters) reference->named_parameters()[name].copy_(named["gru." + name]);
  }
  auto table = named["item_embeddings.table.weight"].detach().clone().requires_grad_();
  auto embedded = torch::embedding(table, sequences, 0) * sequences.ne(0).unsqueeze(-1).to(torch::kFloat32);
  auto hidden = std::get<0>(reference->forward(torch::constant_pad_nd(embedded, {0, 0, 1, 0})));
  auto outputs = torch::linear(hidden, projection_weight, projection_bias);
  auto per_step = outputs.narrow(1, 0, 7);
  auto final_state = outputs.select(1, 7);
  weighted.weigh(per_step, final_state).backward();

  EXPECT_TRUE(torch::allclose(states.per_step, per_step, 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(states.final, final_state, 1e-5, 1e-6));
  for (const auto& name : gru_parameters) {
    EXPECT_TRUE(torch::allclose(named["gru." + name].grad(), reference->named_parameters()[name].grad(), 1e-4, 1e-5))
        << name;
  }
  EXPECT_TRUE(torch::allclose(named["projection.weight"].grad(), projection_weight.grad(), 1e-4, 1e-5));
  EXPECT_TRUE(torch::allclose(named["projection.bias"].grad(), projection_bias.grad(), 1e-4, 1e-5));
  EXPECT_TRUE(torch::allclose(named["item_embeddings.table.weight"].grad(), table.grad(), 1e-4, 1e-5));
}

// The pooling representation's running mean is one autograd node; against the tensor form
// (cumulative sums over the non-zero entries, divided by count + 1), states and gradients,
// and one state by hand.
TEST_F(HandGradientRepresentations, PoolingMatchesTheTensorForm) {
  torch::manual_seed(18);
  auto pooling = sequence_network("pooling", 12, 5);
  auto sequences = torch::tensor({{0, 0, 3, 5, 11, 3, 7}, {4, 4, 1, 9, 0, 6, 8}, {0, 0, 0, 0, 0, 2, 10}}, torch::kInt64);
  const auto weighted = encode_and_backward(*pooling, sequences);
  const auto& states = weighted.states;

  auto named = pooling->named_parameters();
  auto table = named["item_embeddings.table.weight"].detach().clone().requires_grad_();
  auto vectors = torch::embedding(table, sequences, 0) * sequences.ne(0).unsqueeze(-1).to(torch::kFloat32);
  auto after = vectors.cumsum(1) / (vectors.ne(0).to(torch::kFloat32).cumsum(1) + 1);
  auto per_step = torch::constant_pad_nd(after.narrow(1, 0, 6), {0, 0, 1, 0});
  auto final_state = after.select(1, 6);
  weighted.weigh(per_step, final_state).backward();

  EXPECT_TRUE(torch::allclose(states.per_step, per_step, 1e-6, 1e-7));
  EXPECT_TRUE(torch::allclose(states.final, final_state, 1e-6, 1e-7));
  EXPECT_TRUE(torch::allclose(named["item_embeddings.table.weight"].grad(), table.grad(), 1e-5, 1e-6));
  // Sequence 0 before step 4 has seen items 3 and 5 (the padding counts for nothing): their
  // sum over 2 + 1.
  const auto by_hand = (table[3] + table[5]).detach() / 3;
  EXPECT_TRUE(torch::allclose(states.per_step[0][4], by_hand, 1e-6, 1e-7));
  EXPECT_TRUE(torch::equal(states.per_step[2][3], torch::zeros({5})));  // nothing seen yet
}

// The optimizer plugins' fused optimizers against LibTorch's own.
class FusedOptimizers : public PluginTest {
 protected:
  // What the optimizer plugin `node` names makes for `parameters`, the node built as an
  // experiment's model.optimizer is.
  std::unique_ptr<torch::optim::Optimizer> make_optimizer(const json& node, std::vector<torch::Tensor> parameters) {
    ComponentGraph graph(*registry_, json::object(), "model.components", ModelContext{});
    auto plugin = std::static_pointer_cast<Optimizer>(
        graph.build_named_by(node, "model.optimizer", ComponentKind::optimizer, "type", "adam"));
    return plugin->create(std::move(parameters));
  }

  void expect_same_steps(const json& config, const std::function<std::unique_ptr<torch::optim::Optimizer>(
                                                 std::vector<torch::Tensor>)>& reference);
};

// Five steps of a fused optimizer (from its plugin) and of LibTorch's own on the same
// parameters and gradients; then the fused state, saved, continues in LibTorch's optimizer.
void FusedOptimizers::expect_same_steps(const json& config, const std::function<std::unique_ptr<torch::optim::Optimizer>(
                                                                std::vector<torch::Tensor>)>& reference) {
  torch::manual_seed(14);
  std::vector<torch::Tensor> fused_parameters{torch::randn({300, 8}).requires_grad_(), torch::randn({17}).requires_grad_()};
  std::vector<torch::Tensor> plain_parameters;
  for (const auto& parameter : fused_parameters) plain_parameters.push_back(parameter.detach().clone().requires_grad_());
  auto fused = make_optimizer(config, fused_parameters);
  auto plain = reference(plain_parameters);
  auto step_both = [&](torch::optim::Optimizer& first, torch::optim::Optimizer& second) {
    for (size_t i = 0; i < fused_parameters.size(); ++i) {
      auto gradient = torch::randn(fused_parameters[i].sizes());
      fused_parameters[i].mutable_grad() = gradient.clone();
      plain_parameters[i].mutable_grad() = gradient.clone();
    }
    first.step();
    second.step();
  };
  for (int step = 0; step < 5; ++step) step_both(*fused, *plain);
  for (size_t i = 0; i < fused_parameters.size(); ++i) {
    EXPECT_TRUE(torch::allclose(fused_parameters[i], plain_parameters[i], 1e-5, 1e-6)) << config.dump();
  }
  torch::serialize::OutputArchive saved;
  fused->save(saved);
  std::ostringstream bytes;
  saved.save_to(bytes);
  auto resumed = reference(fused_parameters);
  torch::serialize::InputArchive loaded;
  std::istringstream input(bytes.str());
  loaded.load_from(input);
  resumed->load(loaded);
  for (int step = 0; step < 3; ++step) step_both(*resumed, *plain);
  for (size_t i = 0; i < fused_parameters.size(); ++i) {
    EXPECT_TRUE(torch::allclose(fused_parameters[i], plain_parameters[i], 1e-5, 1e-6)) << "resumed " << config.dump();
  }
}

// Each plugin's optimizer is LibTorch's class (its state and checkpoints are LibTorch's) with
// the plugin's own step.
TEST_F(FusedOptimizers, PluginsMakeSubclassesOfLibTorchsOptimizers) {
  std::vector<torch::Tensor> parameters{torch::zeros({4, 2}).requires_grad_()};
  auto adam = make_optimizer({{"type", "adam"}}, parameters);
  auto adagrad = make_optimizer({{"type", "adagrad"}}, parameters);
  auto sgd = make_optimizer({{"type", "sgd"}}, parameters);
  EXPECT_NE(dynamic_cast<torch::optim::Adam*>(adam.get()), nullptr);
  EXPECT_NE(dynamic_cast<torch::optim::Adagrad*>(adagrad.get()), nullptr);
  EXPECT_NE(dynamic_cast<torch::optim::SGD*>(sgd.get()), nullptr);
  EXPECT_NE(typeid(*adam), typeid(torch::optim::Adam));
  EXPECT_NE(typeid(*adagrad), typeid(torch::optim::Adagrad));
  EXPECT_NE(typeid(*sgd), typeid(torch::optim::SGD));
}

TEST_F(FusedOptimizers, AdamStepsAsLibTorchsAdam) {
  for (const bool amsgrad : {false, true}) {
    const double l2 = amsgrad ? 0.01 : 0.0;
    expect_same_steps({{"type", "adam"}, {"learning_rate", 0.05}, {"l2", l2}, {"beta1", 0.8}, {"beta2", 0.99},
                       {"eps", 1e-6}, {"amsgrad", amsgrad}},
                      [&](std::vector<torch::Tensor> parameters) {
                        return std::make_unique<torch::optim::Adam>(
                            parameters, torch::optim::AdamOptions(0.05).weight_decay(l2).betas({0.8, 0.99}).eps(1e-6).amsgrad(amsgrad));
                      });
  }
}

TEST_F(FusedOptimizers, AdagradStepsAsLibTorchsAdagrad) {
  expect_same_steps({{"type", "adagrad"}, {"learning_rate", 0.1}, {"l2", 0.01}, {"lr_decay", 0.05},
                     {"initial_accumulator_value", 0.2}, {"eps", 1e-8}},
                    [](std::vector<torch::Tensor> parameters) {
                      return std::make_unique<torch::optim::Adagrad>(
                          parameters,
                          torch::optim::AdagradOptions(0.1).weight_decay(0.01).lr_decay(0.05).initial_accumulator_value(0.2).eps(1e-8));
                    });
}

TEST_F(FusedOptimizers, SparseAdagradStepsOnlyTheTouchedRowsAsLibTorch) {
  torch::manual_seed(15);
  const auto initial = torch::randn({50, 4});
  auto fused_parameter = initial.clone().requires_grad_();
  auto plain_parameter = initial.clone().requires_grad_();
  auto fused = make_optimizer({{"type", "adagrad"}, {"learning_rate", 0.1}, {"l2", 0.0}, {"lr_decay", 0.01},
                               {"initial_accumulator_value", 0.1}, {"eps", 1e-10}},
                              {fused_parameter});
  torch::optim::Adagrad plain({plain_parameter},
                              torch::optim::AdagradOptions(0.1).lr_decay(0.01).initial_accumulator_value(0.1).eps(1e-10));
  for (int64_t step = 0; step < 4; ++step) {
    // Rows 3 and 7 (shifted by the step) appear twice: their values must be summed first.
    auto indices = torch::tensor({3, 7, 3, 40, 0, 7}, torch::kInt64).add(step).unsqueeze(0);
    auto gradient = torch::sparse_coo_tensor(indices, torch::randn({6, 4}), {50, 4});
    fused_parameter.mutable_grad() = gradient.clone();
    plain_parameter.mutable_grad() = gradient.clone();
    fused->step();
    plain.step();
  }
  EXPECT_TRUE(torch::allclose(fused_parameter, plain_parameter, 1e-5, 1e-6));
  EXPECT_TRUE(torch::equal(fused_parameter.detach()[20], initial[20]));  // never touched
}

TEST_F(FusedOptimizers, SparseAdamStepsDenseGradientsAsLibTorchsAdam) {
  expect_same_steps({{"type", "sparse_adam"}, {"learning_rate", 0.05}, {"l2", 0.01}, {"beta1", 0.8}, {"beta2", 0.99},
                     {"eps", 1e-6}},
                    [](std::vector<torch::Tensor> parameters) {
                      return std::make_unique<torch::optim::Adam>(
                          parameters, torch::optim::AdamOptions(0.05).weight_decay(0.01).betas({0.8, 0.99}).eps(1e-6));
                    });
}

// PyTorch's SparseAdam, written out: the touched rows' moments, bias corrections from the step
// count, eps added to sqrt(v) before the correction; untouched rows keep values and moments.
// Widths 1 and 4 take the staged run of narrow rows, 20 the step per row.
TEST_F(FusedOptimizers, SparseAdamStepsOnlyTheTouchedRowsAsPyTorchsSparseAdam) {
  for (const int64_t width : {int64_t{1}, int64_t{4}, int64_t{20}}) {
    SCOPED_TRACE(width);
    torch::manual_seed(16);
    const double lr = 0.05, beta1 = 0.8, beta2 = 0.99, eps = 1e-3;
    const auto initial = torch::randn({50, width});
    auto fused_parameter = initial.clone().requires_grad_();
    // A float64 copy is not fusable, so it takes the plugin's tensor-operation step.
    auto tensor_parameter = initial.to(torch::kFloat64).requires_grad_();
    const json config = {
        {"type", "sparse_adam"}, {"learning_rate", lr}, {"beta1", beta1}, {"beta2", beta2}, {"eps", eps}};
    auto fused = make_optimizer(config, {fused_parameter});
    auto tensor = make_optimizer(config, {tensor_parameter});
    auto expected = initial.to(torch::kFloat64);
    auto first = torch::zeros_like(expected), second = torch::zeros_like(expected);
    for (int64_t step = 1; step <= 4; ++step) {
      // Rows 3 and 7 (shifted by the step) appear twice: their values are summed first.
      const std::vector<int64_t> rows{3 + step, 7 + step, 3 + step, 40 + step, step, 7 + step};
      const auto values = torch::randn({6, width});
      auto gradient = torch::sparse_coo_tensor(torch::tensor(rows, torch::kInt64).unsqueeze(0), values, {50, width});
      fused_parameter.mutable_grad() = gradient.clone();
      tensor_parameter.mutable_grad() = gradient.to(torch::kFloat64);
      fused->step();
      tensor->step();
      const double step_size = lr * std::sqrt(1 - std::pow(beta2, step)) / (1 - std::pow(beta1, step));
      for (const int64_t row : {step, 3 + step, 7 + step, 40 + step}) {
        auto g = torch::zeros({width}, torch::kFloat64);
        for (size_t k = 0; k < rows.size(); ++k) {
          if (rows[k] == row) g += values[static_cast<int64_t>(k)].to(torch::kFloat64);
        }
        first[row] = beta1 * first[row] + (1 - beta1) * g;
        second[row] = beta2 * second[row] + (1 - beta2) * g * g;
        expected[row] -= step_size * first[row] / (second[row].sqrt() + eps);
      }
    }
    EXPECT_TRUE(torch::allclose(fused_parameter.to(torch::kFloat64), expected, 1e-5, 1e-6));
    EXPECT_TRUE(torch::allclose(tensor_parameter, expected, 1e-9, 1e-10));
    EXPECT_TRUE(torch::equal(fused_parameter.detach()[20], initial[20]));  // never touched
    const auto& state = static_cast<const torch::optim::AdamParamState&>(
        *fused->state().at(c10::guts::to_string(fused_parameter.unsafeGetTensorImpl())));
    EXPECT_EQ(state.step(), 4);
    EXPECT_TRUE(torch::allclose(state.exp_avg_sq().to(torch::kFloat64), second, 1e-5, 1e-7));
    EXPECT_TRUE(torch::equal(state.exp_avg()[20], torch::zeros({width})));
  }
}

TEST_F(FusedOptimizers, SgdStepsAsLibTorchsSgd) {
  for (const auto& [momentum, dampening, nesterov] : std::vector<std::tuple<double, double, bool>>{
           {0.0, 0.0, false}, {0.9, 0.1, false}, {0.9, 0.0, true}}) {
    expect_same_steps({{"type", "sgd"}, {"learning_rate", 0.1}, {"l2", 0.001}, {"momentum", momentum},
                       {"dampening", dampening}, {"nesterov", nesterov}},
                      [&](std::vector<torch::Tensor> parameters) {
                        return std::make_unique<torch::optim::SGD>(
                            parameters, torch::optim::SGDOptions(0.1).weight_decay(0.001).momentum(momentum).dampening(dampening).nesterov(nesterov));
                      });
  }
}

// Whole runs with and without model.hand_gradients: the same epoch losses and metric up to
// float rounding, for dense Adam and for sparse Adagrad.
class HandGradientTraining : public PluginTest {};

TEST_F(HandGradientTraining, EpochLossesEqualAutogradsForEveryLoss) {
  for (const std::string loss : {"bpr", "adaptive_hinge", "regression", "bpr sparse"}) {
    const bool explicit_model = loss == "regression";
    const bool sparse = loss == "bpr sparse";
    json experiment = {
        {"dataset",
         {{"loader", "synthetic_random"}, {"num_users", 200}, {"num_items", 150}, {"num_interactions", 6000},
          {"num_clusters", 5}, {"affinity", 0.9}, {"seed", 3}}},
        {"split", {{"type", "random"}, {"test_fraction", 0.2}, {"seed", 1}}},
        {"model",
         {{"type", explicit_model ? "explicit_factorization" : "implicit_factorization"},
          {"representation", {{"plugin", "bilinear"}, {"sparse", sparse}}},
          {"loss", {{"plugin", sparse ? "bpr" : loss}}},
          {"n_iter", 3},
          {"batch_size", 64},
          {"embedding_dim", 8},
          {"seed", 5},
          {"optimizer", {{"type", sparse ? "adagrad" : "adam"}, {"learning_rate", 0.05}}}}},
        {"evaluation", json::array({{{"plugin", explicit_model ? "rmse" : "mrr"}}})},
        {"threads", 1}};
    if (!explicit_model) experiment["model"]["sampler"] = {{"plugin", "uniform"}};
    testing::TemporaryDirectory folder;
    const auto by_hand = run_experiment_in(folder.path() / "hand", experiment);
    experiment["model"]["hand_gradients"] = false;
    const auto autograd = run_experiment_in(folder.path() / "autograd", experiment);
    for (size_t epoch = 0; epoch < 3; ++epoch) {
      const double hand_loss = by_hand.metrics.at("epochs")[epoch].at("loss").get<double>();
      const double autograd_loss = autograd.metrics.at("epochs")[epoch].at("loss").get<double>();
      EXPECT_NEAR(hand_loss, autograd_loss, 1e-4 * std::abs(autograd_loss)) << loss << " epoch " << epoch;
    }
    const auto& metric = by_hand.metrics.at("metrics").begin().value();
    EXPECT_NEAR(metric.get<double>(), autograd.metrics.at("metrics").begin().value().get<double>(),
                1e-3 * std::abs(metric.get<double>()))
        << loss;
  }
}

}  // namespace
}  // namespace spotlight
