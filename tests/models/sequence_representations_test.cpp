#include <cmath>

#include "models/plugin_fixture.h"
#include "spotlight/sdk/embedding.h"
#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/representation.h"
#include "support/error_message.h"

namespace spotlight {
namespace {

using nlohmann::json;
using testing::PluginTest;

class SequencePlugins : public PluginTest {
 protected:
  ModelContext context(int64_t num_items, int64_t dim) {
    ModelContext model;
    model.num_users = 5;
    model.num_items = num_items;
    model.embedding_dim = dim;
    return model;
  }

  std::shared_ptr<Representation> representation(const json& node, int64_t num_items = 20, int64_t dim = 6,
                                                  const json& declared = json::object()) {
    torch::manual_seed(3);
    return build<Representation>(node, ComponentKind::representation, context(num_items, dim), declared);
  }

  // Sets a parameter (by name) to the given values.
  static void set(torch::nn::Module& module, const std::string& name, const torch::Tensor& values) {
    torch::NoGradGuard no_grad;
    auto parameters = module.named_parameters();
    ASSERT_TRUE(parameters.contains(name)) << name;
    parameters[name].copy_(values.reshape(parameters[name].sizes()));
  }
};

// Every sequence representation, with settings that exercise its options.
std::vector<json> every_sequence_representation() {
  return {{{"plugin", "pooling"}},
          {{"plugin", "cnn"}},
          {{"plugin", "cnn"}, {"num_layers", 3}, {"kernel_width", {2, 3, 2}}, {"dilation", {1, 2, 4}},
           {"nonlinearity", "relu"}, {"residual", false}},
          {{"plugin", "lstm"}},
          {{"plugin", "mixture"}, {"num_mixtures", 3}},
          // Dropout off: these tests compare states of two calls in training mode.
          {{"plugin", "sasrec"}, {"dropout", 0.0}},
          {{"plugin", "sasrec"}, {"dropout", 0.0}, {"num_blocks", 3}, {"num_heads", 3}, {"norm_first", false},
           {"activation", "gelu"}, {"feed_forward_dim", 10}},
          {{"plugin", "gru4rec"}, {"hidden_dropout", 0.0}},
          {{"plugin", "gru4rec"}, {"hidden_dropout", 0.0}, {"num_layers", 2}, {"hidden_dim", 4}}};
}

TEST_F(SequencePlugins, StateAtStepTNeverSeesItemTOrLater) {
  for (const auto& node : every_sequence_representation()) {
    SCOPED_TRACE(node.dump());
    auto net = representation(node);
    torch::manual_seed(11);
    auto sequences = torch::randint(1, 20, {4, 9}, torch::kInt64);
    sequences.index_put_({0, torch::indexing::Slice(0, 3)}, 0);  // some left padding
    const auto before = net->encode_sequences(sequences);
    ASSERT_EQ(before.per_step.size(0), 4);
    ASSERT_EQ(before.per_step.size(1), 9);
    for (int64_t t = 0; t < 9; ++t) {
      // Replace the real items t, t+1, ... with other items (padding stays padding): the states
      // up to step t must not move.
      auto changed = sequences.clone();
      auto tail = changed.narrow(1, t, 9 - t);
      tail.copy_(torch::where(tail.ne(0), tail % 19 + 1, tail));  // a different real item in [1, 19]
      ASSERT_FALSE(torch::equal(changed.narrow(1, t, 9 - t), sequences.narrow(1, t, 9 - t))) << "step " << t;
      const auto after = net->encode_sequences(changed);
      EXPECT_TRUE(torch::allclose(after.per_step.narrow(1, 0, t + 1), before.per_step.narrow(1, 0, t + 1), 0, 0))
          << "step " << t;
      // ... while the state after the whole sequence does see them.
      EXPECT_FALSE(torch::allclose(after.final, before.final)) << "step " << t;
    }
  }
}

TEST_F(SequencePlugins, FinalStateIsTheStateBeforeTheNextItem) {
  for (const auto& node : every_sequence_representation()) {
    SCOPED_TRACE(node.dump());
    auto net = representation(node);
    auto sequences = torch::tensor({{0, 0, 4, 7, 2}, {3, 9, 1, 1, 5}}, torch::kInt64);
    const auto states = net->encode_sequences(sequences);
    // Appending any item: the new per-step state at the old length is the old final state.
    auto longer = torch::cat({sequences, torch::tensor({{6}, {8}}, torch::kInt64)}, 1);
    const auto extended = net->encode_sequences(longer);
    EXPECT_TRUE(torch::allclose(extended.per_step.select(1, 5), states.final, 1e-5, 1e-6));
  }
}

TEST_F(SequencePlugins, PaddingNeverInfluencesAScore) {
  // A shared item table without a padding row: its row 0 is not zero, and still must not matter.
  json declared{{"items", {{"plugin", "scaled_embedding"}}}};
  for (auto node : every_sequence_representation()) {
    node["item_embedding"] = "@items";
    SCOPED_TRACE(node.dump());
    torch::manual_seed(3);
    ComponentGraph graph(*registry_, declared, "model.components", context(20, 6));
    auto net = std::static_pointer_cast<Representation>(graph.build(node, "node", ComponentKind::representation));
    auto table = std::static_pointer_cast<EmbeddingLayer>(graph.build("@items", "items", ComponentKind::embedding));
    auto sequences = torch::tensor({{0, 0, 0, 4, 7}, {0, 3, 9, 1, 5}}, torch::kInt64);
    auto items = torch::tensor({{3, 4, 5, 6, 7}, {1, 2, 3, 4, 5}}, torch::kInt64);
    const auto states = net->encode_sequences(sequences);
    const auto scores = net->score(states.per_step, items);
    const auto all = net->score_all(states.final);
    {
      torch::NoGradGuard no_grad;
      table->all()[0].fill_(5.0);
    }
    const auto again = net->encode_sequences(sequences);
    EXPECT_TRUE(torch::equal(net->score(again.per_step, items), scores));
    EXPECT_TRUE(torch::equal(net->score_all(again.final).narrow(1, 1, 19), all.narrow(1, 1, 19)));
  }
}

TEST_F(SequencePlugins, ScoreAllAgreesWithScoreAndBroadcastsOverNegatives) {
  for (const auto& node : every_sequence_representation()) {
    SCOPED_TRACE(node.dump());
    auto net = representation(node);
    auto sequences = torch::tensor({{0, 2, 4, 7}, {3, 9, 1, 5}, {0, 0, 0, 8}}, torch::kInt64);
    const auto states = net->encode_sequences(sequences);
    const auto all = net->score_all(states.final);  // (3, 20)
    ASSERT_EQ(all.sizes(), (std::vector<int64_t>{3, 20}));
    auto items = torch::arange(20, torch::kInt64).unsqueeze(0).expand({3, 20});
    auto states_per_item = states.final.unsqueeze(1).expand({3, 20, states.final.size(1)});
    EXPECT_TRUE(torch::allclose(net->score(states_per_item, items), all, 1e-5, 1e-5));
    // (n, batch, length) negatives against (1, batch, length, state) states.
    auto negatives = torch::randint(1, 20, {5, 3, 4}, torch::kInt64);
    auto many = net->score(states.per_step.unsqueeze(0), negatives);
    ASSERT_EQ(many.sizes(), (std::vector<int64_t>{5, 3, 4}));
    EXPECT_TRUE(torch::allclose(many[2], net->score(states.per_step, negatives[2]), 1e-5, 1e-6));
  }
}

TEST_F(SequencePlugins, ScoreAllAndItsGradientsEqualTheProductInDoublePrecision) {
  // 77 items and width 37: neither is a whole number of the kernels' vectors or row tiles, so
  // the tiles' edges and the plain loops for the leftover columns run too.
  auto net = representation({{"plugin", "pooling"}}, /*num_items=*/77, /*dim=*/37);
  {
    torch::NoGradGuard no_grad;
    for (auto& parameter : net->parameters()) parameter.normal_();  // the biases too
  }
  const auto states = torch::randn({13, 37}).requires_grad_(true);
  const auto upstream = torch::randn({13, 77});
  const auto scores = net->score_all(states);
  (scores * upstream).sum().backward();
  auto named = net->named_parameters();
  const auto vectors = named["item_embeddings.table.weight"], biases = named["item_biases.table.weight"];
  ASSERT_TRUE(vectors.defined() && biases.defined());
  auto states64 = states.detach().to(torch::kFloat64).requires_grad_(true);
  auto vectors64 = vectors.detach().to(torch::kFloat64).requires_grad_(true);
  auto biases64 = biases.detach().to(torch::kFloat64).requires_grad_(true);
  const auto expected = torch::mm(states64, vectors64.t()) + biases64.t();
  (expected * upstream.to(torch::kFloat64)).sum().backward();
  EXPECT_LT((scores.detach().to(torch::kFloat64) - expected.detach()).abs().max().item<double>(), 1e-4);
  EXPECT_LT((states.grad().to(torch::kFloat64) - states64.grad()).abs().max().item<double>(), 1e-4);
  EXPECT_LT((vectors.grad().to(torch::kFloat64) - vectors64.grad()).abs().max().item<double>(), 1e-4);
  EXPECT_LT((biases.grad().to(torch::kFloat64) - biases64.grad()).abs().max().item<double>(), 1e-4);
  // A row's scores do not depend on the rows scored with it.
  torch::NoGradGuard no_grad;
  const auto alone = net->score_all(states.detach().narrow(0, 5, 1));
  EXPECT_TRUE(torch::equal(alone[0], scores.detach()[5]));
}

TEST_F(SequencePlugins, PoolingDividesTheSumSeenSoFarByCountPlusOne) {
  auto net = representation({{"plugin", "pooling"}}, 4, 2);
  set(*net, "item_embeddings.table.weight", torch::tensor({0.0f, 0.0f, 1.0f, 2.0f, 3.0f, -4.0f, 0.0f, 6.0f}));
  const auto states = net->encode_sequences(torch::tensor({{0, 1, 2, 3}}, torch::kInt64));
  // Before step 0 and 1 nothing real was seen; then v1 / 2; then (v1 + v2) / 3. Item 3 has a zero in
  // dimension 0, which Spotlight does not count: (1 + 3 + 0) / (2 + 1) and (2 - 4 + 6) / (3 + 1).
  auto expected = torch::tensor({{{0.0f, 0.0f}, {0.0f, 0.0f}, {0.5f, 1.0f}, {4.0f / 3, -2.0f / 3}}});
  EXPECT_TRUE(torch::allclose(states.per_step, expected));
  EXPECT_TRUE(torch::allclose(states.final, torch::tensor({{4.0f / 3, 1.0f}})));
}

TEST_F(SequencePlugins, CnnIsACausalDilatedConvolutionWithResiduals) {
  // One dimension, one layer, kernel 2: z[t] = b + w0 x[t - d] + w1 x[t], with x = (0, e(s0), e(s1), ...).
  for (int64_t dilation : {1, 2}) {
    SCOPED_TRACE(dilation);
    auto net = representation({{"plugin", "cnn"}, {"kernel_width", 2}, {"dilation", dilation}}, 3, 1);
    set(*net, "item_embeddings.table.weight", torch::tensor({0.0f, 0.5f, -1.0f}));
    set(*net, "conv0.weight", torch::tensor({0.3f, 0.7f}));
    set(*net, "conv0.bias", torch::tensor({0.1f}));
    const auto states = net->encode_sequences(torch::tensor({{1, 2}}, torch::kInt64));
    const double x[] = {0.0, 0.5, -1.0};
    std::vector<double> h;
    for (int t = 0; t < 3; ++t) {
      const double delayed = t - dilation >= 0 ? x[t - dilation] : 0.0;
      h.push_back(std::tanh(0.1 + 0.3 * delayed + 0.7 * x[t]) + x[t]);
    }
    EXPECT_NEAR(states.per_step[0][0][0].item<double>(), h[0], 1e-6);
    EXPECT_NEAR(states.per_step[0][1][0].item<double>(), h[1], 1e-6);
    EXPECT_NEAR(states.final[0][0].item<double>(), h[2], 1e-6);
  }
}

TEST_F(SequencePlugins, CnnFusedLayersEqualLibTorchOperationsInDoublePrecision) {
  // In float32 on CPU each layer is one fused node, which skips leading zero inputs; in float64
  // it is LibTorch's operations (pad, concatenate the taps, linear, activation, residual),
  // differentiated by autograd.
  const std::vector<json> nodes = {
      {{"plugin", "cnn"}},
      {{"plugin", "cnn"}, {"kernel_width", 1}},
      {{"plugin", "cnn"}, {"num_layers", 3}, {"kernel_width", {2, 3, 2}}, {"dilation", {1, 2, 4}},
       {"nonlinearity", "relu"}, {"residual", false}},
      {{"plugin", "cnn"}, {"num_layers", 2}, {"kernel_width", 4}, {"dilation", {3, 1}}}};
  torch::manual_seed(5);
  auto sequences = torch::randint(1, 20, {4, 7}, torch::kInt64);
  sequences.index_put_({1, torch::indexing::Slice(0, 4)}, 0);  // left padding
  sequences.index_put_({3}, 0);                                 // nothing but padding
  const auto upstream_final = torch::randn({4, 6}, torch::kFloat64);
  // A gradient at every step, and one at real items only (as masked losses give).
  const auto everywhere = torch::randn({4, 7, 6}, torch::kFloat64);
  const auto real_items = everywhere * sequences.ne(0).unsqueeze(-1).to(torch::kFloat64);
  for (const auto& node : nodes) {
    for (const auto& upstream_steps : {everywhere, real_items}) {
      SCOPED_TRACE(node.dump());
      auto net = representation(node);
      auto run = [&](torch::ScalarType type) {
        net->to(type);
        net->zero_grad();
        const auto states = net->encode_sequences(sequences);
        EXPECT_EQ(states.per_step.scalar_type(), type);
        ((states.per_step * upstream_steps.to(type)).sum() + (states.final * upstream_final.to(type)).sum())
            .backward();
        std::vector<torch::Tensor> values{states.per_step.detach().to(torch::kFloat64),
                                          states.final.detach().to(torch::kFloat64)};
        for (const auto& parameter : net->parameters()) {
          if (parameter.grad().defined()) values.push_back(parameter.grad().to(torch::kFloat64));  // not the biases
        }
        return values;
      };
      const auto fused = run(torch::kFloat32);
      const auto plain = run(torch::kFloat64);
      ASSERT_EQ(fused.size(), plain.size());
      ASSERT_GE(fused.size(), 3 + 2 * node.value("num_layers", 1));  // states, table and every layer's weights
      for (size_t i = 0; i < fused.size(); ++i) {
        SCOPED_TRACE(i);
        EXPECT_TRUE(torch::allclose(fused[i], plain[i], 1e-4, 1e-5)) << (fused[i] - plain[i]).abs().max();
      }
    }
  }
}

TEST_F(SequencePlugins, LstmMatchesAHandWrittenCell) {
  auto net = representation({{"plugin", "lstm"}}, 10, 3);
  auto sequence = torch::tensor({{0, 4, 2, 9}}, torch::kInt64);
  const auto states = net->encode_sequences(sequence);
  auto parameters = net->named_parameters();
  auto w_ih = parameters["lstm.weight_ih_l0"], w_hh = parameters["lstm.weight_hh_l0"];
  auto bias = parameters["lstm.bias_ih_l0"] + parameters["lstm.bias_hh_l0"];
  auto table = parameters["item_embeddings.table.weight"];
  torch::NoGradGuard no_grad;
  auto h = torch::zeros({3}), c = torch::zeros({3});
  // Inputs: a zero vector, then the items (padding is zero too).
  std::vector<torch::Tensor> inputs{torch::zeros({3}), torch::zeros({3}), table[4], table[2], table[9]};
  // The output after input t is the state before item t; after the last input, the final state.
  for (size_t t = 0; t < inputs.size(); ++t) {
    auto gates = torch::mv(w_ih, inputs[t]) + torch::mv(w_hh, h) + bias;  // order: input, forget, cell, output
    auto chunks = gates.chunk(4);
    c = torch::sigmoid(chunks[1]) * c + torch::sigmoid(chunks[0]) * torch::tanh(chunks[2]);
    h = torch::sigmoid(chunks[3]) * torch::tanh(c);
    if (t < 4) {
      EXPECT_TRUE(torch::allclose(states.per_step[0][static_cast<int64_t>(t)], h, 1e-5, 1e-6)) << t;
    }
  }
  EXPECT_TRUE(torch::allclose(states.final[0], h, 1e-5, 1e-6));
}

// Layer norm over one vector, as torch::nn::LayerNorm defines it (biased variance).
torch::Tensor layer_norm(const torch::Tensor& v, const torch::Tensor& gain, const torch::Tensor& bias, double eps) {
  auto centred = v - v.mean();
  return centred / std::sqrt((centred * centred).mean().item<double>() + eps) * gain + bias;
}

TEST_F(SequencePlugins, SasrecMatchesOneHandWrittenBlockOfCausalAttention) {
  // Width 4, two heads of width 2, one block, a feed-forward layer of width 5.
  for (bool norm_first : {true, false}) {
    SCOPED_TRACE(norm_first);
    auto net = representation({{"plugin", "sasrec"}, {"num_blocks", 1}, {"num_heads", 2}, {"feed_forward_dim", 5},
                               {"norm_first", norm_first}, {"dropout", 0.0}, {"max_length", 6}},
                              10, 4);
    auto sequences = torch::tensor({{0, 0, 4, 2, 9}, {3, 7, 7, 1, 5}}, torch::kInt64);
    const auto states = net->encode_sequences(sequences);
    auto p = net->named_parameters();
    auto linear = [&](const std::string& name, const torch::Tensor& v) {
      return torch::mv(p["block0." + name + ".weight"], v) + p["block0." + name + ".bias"];
    };
    auto norm = [&](const std::string& name, const torch::Tensor& v) {
      return layer_norm(v, p[name + ".weight"], p[name + ".bias"], 1e-8);
    };
    auto table = p["item_embeddings.table.weight"], positions = p["position_embeddings.weight"];
    torch::NoGradGuard no_grad;
    for (int64_t b = 0; b < 2; ++b) {
      // Input 0 is the start slot (its position vector); input t the item before step t, or zero for padding.
      std::vector<torch::Tensor> x;
      std::vector<bool> real;
      x.push_back(positions[0]);
      real.push_back(true);
      for (int64_t t = 0; t < 5; ++t) {
        const int64_t item = sequences[b][t].item<int64_t>();
        real.push_back(item != 0);
        x.push_back(item != 0 ? table[item] * 2.0 + positions[t + 1] : torch::zeros({4}));
      }
      std::vector<torch::Tensor> attention_in;
      for (const auto& v : x) attention_in.push_back(norm_first ? norm("block0.attention_norm", v) : v);
      for (size_t i = 0; i < x.size(); ++i) {
        auto mixed = torch::zeros({4});
        for (int64_t head = 0; head < 2; ++head) {
          auto q = linear("query", attention_in[i]).narrow(0, 2 * head, 2);
          // Softmax over the real keys at or before i, written out.
          std::vector<double> weights;
          std::vector<torch::Tensor> values;
          double total = 0;
          for (size_t j = 0; j <= i; ++j) {
            if (!real[j]) continue;
            auto k = linear("key", attention_in[j]).narrow(0, 2 * head, 2);
            weights.push_back(std::exp(torch::dot(q, k).item<double>() / std::sqrt(2.0)));
            values.push_back(linear("value", attention_in[j]).narrow(0, 2 * head, 2));
            total += weights.back();
          }
          auto head_out = torch::zeros({2});
          for (size_t n = 0; n < weights.size(); ++n) head_out += values[n] * (weights[n] / total);
          mixed.narrow(0, 2 * head, 2).copy_(head_out);
        }
        auto attended = linear("output", mixed);
        auto feed_forward = [&](const torch::Tensor& v) { return linear("contract", torch::relu(linear("expand", v))); };
        torch::Tensor y;
        if (norm_first) {
          auto h = x[i] + attended;
          y = h + feed_forward(norm("block0.feed_forward_norm", h));
        } else {
          auto h = norm("block0.attention_norm", x[i] + attended);
          y = norm("block0.feed_forward_norm", h + feed_forward(h));
        }
        y = norm("final_norm", y);
        // A step whose item is padding predicts nothing: its state is zero.
        if (i < 5 && sequences[b][static_cast<int64_t>(i)].item<int64_t>() == 0) y = torch::zeros({4});
        const auto& got = i < 5 ? states.per_step[b][static_cast<int64_t>(i)] : states.final[b];
        EXPECT_TRUE(torch::allclose(got, y, 1e-4, 1e-5)) << "sequence " << b << " step " << i << "\n" << got << y;
      }
    }
  }
}

TEST_F(SequencePlugins, SasrecHasFiniteStatesAndGradientsBehindLongPadding) {
  // Queries whose earlier inputs are all padding still read the start slot: no empty softmax.
  auto net = representation({{"plugin", "sasrec"}, {"dropout", 0.0}});
  auto sequences = torch::tensor({{0, 0, 0, 0, 0, 0, 0, 3}, {0, 0, 0, 0, 0, 0, 0, 0}}, torch::kInt64);
  const auto states = net->encode_sequences(sequences);
  EXPECT_TRUE(torch::isfinite(states.per_step).all().item<bool>());
  EXPECT_TRUE(torch::isfinite(states.final).all().item<bool>());
  (states.per_step.sum() + states.final.sum()).backward();
  for (const auto& parameter : net->parameters()) {
    if (parameter.grad().defined()) {
      EXPECT_TRUE(torch::isfinite(parameter.grad()).all().item<bool>());
    }
  }
}

TEST_F(SequencePlugins, Gru4recMatchesAHandWrittenRecurrenceAndProjection) {
  // Two layers of width 4 over items of width 3: the top layer's output is mapped back to width 3.
  auto net = representation({{"plugin", "gru4rec"}, {"num_layers", 2}, {"hidden_dim", 4}, {"hidden_dropout", 0.0}},
                            10, 3);
  auto sequence = torch::tensor({{0, 4, 2, 9}}, torch::kInt64);
  const auto states = net->encode_sequences(sequence);
  auto p = net->named_parameters();
  auto table = p["item_embeddings.table.weight"];
  torch::NoGradGuard no_grad;
  // torch::nn::GRU: gates in the order reset, update, new;
  // r = s(W_ir x + b_ir + W_hr h + b_hr), z = s(W_iz x + b_iz + W_hz h + b_hz),
  // n = tanh(W_in x + b_in + r (W_hn h + b_hn)), h' = (1 - z) n + z h.
  std::vector<torch::Tensor> inputs{torch::zeros({3}), torch::zeros({3}), table[4], table[2], table[9]};
  for (int layer = 0; layer < 2; ++layer) {
    const std::string l = std::to_string(layer);
    auto w_ih = p["gru.weight_ih_l" + l].chunk(3), w_hh = p["gru.weight_hh_l" + l].chunk(3);
    auto b_ih = p["gru.bias_ih_l" + l].chunk(3), b_hh = p["gru.bias_hh_l" + l].chunk(3);
    auto h = torch::zeros({4});
    std::vector<torch::Tensor> outputs;
    for (const auto& x : inputs) {
      auto r = torch::sigmoid(torch::mv(w_ih[0], x) + b_ih[0] + torch::mv(w_hh[0], h) + b_hh[0]);
      auto z = torch::sigmoid(torch::mv(w_ih[1], x) + b_ih[1] + torch::mv(w_hh[1], h) + b_hh[1]);
      auto n = torch::tanh(torch::mv(w_ih[2], x) + b_ih[2] + r * (torch::mv(w_hh[2], h) + b_hh[2]));
      h = (1 - z) * n + z * h;
      outputs.push_back(h);
    }
    inputs = outputs;
  }
  for (size_t t = 0; t < inputs.size(); ++t) {
    auto expected = torch::mv(p["projection.weight"], inputs[t]) + p["projection.bias"];
    const auto& got = t < 4 ? states.per_step[0][static_cast<int64_t>(t)] : states.final[0];
    EXPECT_TRUE(torch::allclose(got, expected, 1e-5, 1e-6)) << t;
  }
}

TEST_F(SequencePlugins, DropoutActsOnlyWhileTraining) {
  for (const json& node : {json{{"plugin", "sasrec"}, {"dropout", 0.5}},
                           json{{"plugin", "gru4rec"}, {"hidden_dropout", 0.5}},
                           json{{"plugin", "gru4rec"}, {"hidden_dropout", 0.0}, {"embedding_dropout", 0.5}},
                           json{{"plugin", "gru4rec"}, {"num_layers", 2}, {"hidden_dropout", 0.5}}}) {
    SCOPED_TRACE(node.dump());
    auto net = representation(node);
    auto sequences = torch::tensor({{0, 2, 4, 7, 1}, {3, 9, 1, 5, 5}}, torch::kInt64);
    net->train();
    EXPECT_FALSE(torch::equal(net->encode_sequences(sequences).per_step, net->encode_sequences(sequences).per_step));
    net->eval();
    const auto first = net->encode_sequences(sequences), second = net->encode_sequences(sequences);
    EXPECT_TRUE(torch::equal(first.per_step, second.per_step));
    EXPECT_TRUE(torch::equal(first.final, second.final));
  }
}

TEST_F(SequencePlugins, SasrecRefusesHeadsThatDoNotDivideTheWidthAndTooLongSequences) {
  EXPECT_EQ(testing::error_message([&] { representation({{"plugin", "sasrec"}, {"num_heads", 4}}, 20, 6); }),
            "node.num_heads: 4 heads do not divide the width 6; choose a divisor of it");
  auto net = representation({{"plugin", "sasrec"}, {"max_length", 5}});
  EXPECT_NO_THROW(net->encode_sequences(torch::ones({2, 5}, torch::kInt64)));
  EXPECT_EQ(testing::error_message([&] { net->encode_sequences(torch::ones({2, 7}, torch::kInt64)); }),
            "sasrec: a sequence of 7 items is longer than max_length (5); raise the representation's max_length");
}

TEST_F(SequencePlugins, MixtureWeighsTastesBySoftmaxAttention) {
  auto net = representation({{"plugin", "mixture"}, {"num_mixtures", 2}}, 6, 2);
  // A state: tastes t0 = (1, 0), t1 = (0, 2); attention a0 = (1, 1), a1 = (-1, 0).
  auto state = torch::tensor({{1.0f, 0.0f, 0.0f, 2.0f, 1.0f, 1.0f, -1.0f, 0.0f}});
  auto items = net->named_parameters()["item_embeddings.table.weight"];
  auto biases = net->named_parameters()["item_biases.table.weight"];
  {
    torch::NoGradGuard no_grad;
    biases.copy_(torch::arange(6, torch::kFloat32).reshape({6, 1}) / 10);
  }
  auto all = net->score_all(state);
  for (int64_t item = 1; item < 6; ++item) {
    const double e0 = items[item][0].item<double>(), e1 = items[item][1].item<double>();
    const double w0 = std::exp(e0 + e1), w1 = std::exp(-e0);
    const double expected = (w0 * e0 + w1 * 2 * e1) / (w0 + w1) + item / 10.0;
    EXPECT_NEAR(all[0][item].item<double>(), expected, 1e-5) << item;
    EXPECT_NEAR(net->score(state, torch::tensor({item})).item<double>(), expected, 1e-5) << item;
  }
}

// Training scores (1, batch, length) states against (samples, batch, length) items in one fused
// node; the same states expanded to every sample take the tensor formula. Values and every
// gradient agree.
TEST_F(SequencePlugins, MixtureFusedScoresAndGradientsEqualTheTensorFormula) {
  auto net = representation({{"plugin", "mixture"}, {"num_mixtures", 3}}, 20, 6);
  auto table = net->named_parameters()["item_embeddings.table.weight"];
  const auto states = torch::randn({1, 4, 5, 2 * 3 * 6});
  const auto items = torch::randint(1, 20, {3, 4, 5}, torch::kInt64);
  const auto upstream = torch::randn({3, 4, 5});
  auto gradients = [&](bool fused) {
    auto leaf = states.clone().requires_grad_();
    if (table.grad().defined()) table.mutable_grad().zero_();
    auto scores = net->score(fused ? leaf : leaf.expand({3, 4, 5, 36}), items);
    (scores * upstream).sum().backward();
    return std::make_tuple(scores.detach(), leaf.grad().clone(), table.grad().clone());
  };
  const auto [fused_scores, fused_states, fused_table] = gradients(true);
  const auto [plain_scores, plain_states, plain_table] = gradients(false);
  EXPECT_TRUE(torch::allclose(fused_scores, plain_scores, 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(fused_states, plain_states, 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(fused_table, plain_table, 1e-5, 1e-6));
}

TEST_F(SequencePlugins, CnnChecksItsLayerLists) {
  EXPECT_EQ(testing::error_message([&] {
              representation({{"plugin", "cnn"}, {"num_layers", 2}, {"dilation", {1, 2, 4}}});
            }),
            "node.dilation: expected one value or a list of 2, got a list of 3");
  EXPECT_EQ(testing::error_message([&] {
              representation({{"plugin", "cnn"}, {"residual", true}, {"residual_connections", false}});
            }),
            "node.residual: and residual_connections are the same setting; give only one");
  EXPECT_EQ(testing::error_message([&] { representation({{"plugin", "cnn"}, {"nonlinearity", "sigmoid"}}); }),
            "node.nonlinearity: expected one of \"tanh\", \"relu\", got \"sigmoid\"");
}

TEST_F(SequencePlugins, SharedItemTableMustFitTheData) {
  json declared{{"items", {{"plugin", "scaled_embedding"}, {"of", "users"}}}};
  EXPECT_EQ(testing::error_message([&] {
              representation({{"plugin", "lstm"}, {"item_embedding", "@items"}}, 20, 6, declared);
            }),
            "node.item_embedding: has 5 rows but the data has 20 items");
}

TEST_F(SequencePlugins, BloomEmbeddingSumsTheRowsSpotlightsHashesPick) {
  ModelContext model = context(50, 3);
  torch::manual_seed(5);
  auto table = build<EmbeddingLayer>({{"plugin", "bloom_embedding"}, {"padding_idx", 0}}, ComponentKind::embedding,
                                     model);
  ASSERT_EQ(table->num_embeddings(), 50);
  ASSERT_EQ(table->dim(), 3);
  auto weight = table->named_parameters()["weight"];
  ASSERT_EQ(weight.size(0), 10);  // int(0.2 * 50)
  EXPECT_TRUE(torch::equal(weight[0], torch::zeros({3})));
  // sklearn.utils.murmurhash3_32(np.arange(10, dtype=np.int32), seed) % 10 for Spotlight's first four seeds,
  // id 0 (padding) forced to row 0: computed with scikit-learn 1.2.1.
  const int64_t rows[4][10] = {{0, 1, 1, 6, 5, 2, 9, 0, 1, 1},
                               {0, 2, 2, 1, 9, 9, 3, 3, 8, 3},
                               {0, 2, 6, 2, 2, 5, 4, 1, 2, 4},
                               {0, 4, 1, 4, 8, 9, 9, 1, 6, 3}};
  auto vectors = table->forward(torch::arange(10, torch::kInt64));
  for (int64_t id = 0; id < 10; ++id) {
    auto expected = torch::zeros({3});
    for (const auto& hash : rows) expected += weight[hash[id]];
    EXPECT_TRUE(torch::allclose(vectors[id], expected)) << id;
  }
  EXPECT_TRUE(torch::allclose(table->all().narrow(0, 0, 10), vectors));
  // Training never moves the padding row.
  auto loss = table->forward(torch::tensor({{0, 7}, {3, 1}})).sum();
  loss.backward();
  EXPECT_TRUE(torch::equal(weight.grad()[0], torch::zeros({3})));
  EXPECT_GT(weight.grad().abs().sum().item<double>(), 0.0);
}

TEST_F(SequencePlugins, BloomEmbeddingMatchesSpotlightOnMovieLensSizes) {
  auto table = build<EmbeddingLayer>({{"plugin", "bloom_embedding"}}, ComponentKind::embedding, context(1683, 4));
  auto weight = table->named_parameters()["weight"];
  ASSERT_EQ(weight.size(0), 336);
  // murmurhash3_32([1, 50, 1682], seed) % 336 per seed, from scikit-learn (numpy's floor modulo of signed hashes).
  const int64_t rows[4][3] = {{41, 209, 162}, {120, 76, 144}, {122, 172, 12}, {190, 90, 283}};
  const int64_t ids[3] = {1, 50, 1682};
  for (int i = 0; i < 3; ++i) {
    auto expected = weight[rows[0][i]] + weight[rows[1][i]] + weight[rows[2][i]] + weight[rows[3][i]];
    EXPECT_TRUE(torch::allclose(table->forward(torch::tensor({ids[i]}))[0], expected)) << ids[i];
  }
}

}  // namespace
}  // namespace spotlight
