#include <cmath>

#include "models/fixed_scorer.h"
#include "models/plugin_fixture.h"
#include "spotlight/sdk/embedding.h"
#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/evaluator.h"
#include "spotlight/sdk/loss.h"
#include "spotlight/sdk/representation.h"
#include "spotlight/sdk/sampler.h"
#include "support/process.h"

namespace spotlight {
namespace {

using nlohmann::json;
using testing::FixedScorer;
using testing::matrix;
using testing::PluginTest;

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

class LossPlugins : public PluginTest {};

TEST_F(LossPlugins, BprIsOneMinusSigmoidOfTheDifference) {
  auto loss = build<Loss>({{"plugin", "bpr"}}, ComponentKind::loss);
  EXPECT_EQ(loss->feedback(), Feedback::implicit);
  EXPECT_EQ(loss->negatives_per_positive(), NegativesPerPositive::one);
  auto positive = torch::tensor({1.0f, 0.0f, 2.0f});
  auto negative = torch::tensor({0.0f, 1.0f, -1.0f});
  const double expected = ((1 - sigmoid(1)) + (1 - sigmoid(-1)) + (1 - sigmoid(3))) / 3;
  EXPECT_NEAR(loss->implicit_loss(positive, negative, torch::Tensor()).item<double>(), expected, 1e-6);
  // Masked entries do not count: only the first and third.
  auto mask = torch::tensor({1.0f, 0.0f, 1.0f});
  const double masked = ((1 - sigmoid(1)) + (1 - sigmoid(3))) / 2;
  EXPECT_NEAR(loss->implicit_loss(positive, negative, mask).item<double>(), masked, 1e-6);
  EXPECT_THROW(loss->explicit_loss(positive, negative), Error);
}

class EmbeddingPlugins : public PluginTest {};

TEST_F(EmbeddingPlugins, ScaledTableIsNormalWithStdOneOverDim) {
  ModelContext context;
  context.num_items = 4000;
  context.num_users = 3;
  context.embedding_dim = 16;
  torch::manual_seed(0);
  auto table = build<EmbeddingLayer>({{"plugin", "scaled_embedding"}}, ComponentKind::embedding, context);
  EXPECT_EQ(table->num_embeddings(), 4000);
  EXPECT_EQ(table->dim(), 16);
  auto weights = table->all();
  EXPECT_NEAR(weights.mean().item<double>(), 0.0, 0.002);
  EXPECT_NEAR(weights.std().item<double>(), 1.0 / 16, 0.002);
  auto users = build<EmbeddingLayer>({{"plugin", "scaled_embedding"}, {"of", "users"}, {"dim", 2}, {"padding_idx", 0}},
                                     ComponentKind::embedding, context);
  EXPECT_EQ(users->num_embeddings(), 3);
  EXPECT_TRUE(torch::equal(users->forward(torch::tensor({0})), torch::zeros({1, 2})));
}

TEST_F(EmbeddingPlugins, ZeroTableStartsAtZero) {
  ModelContext context;
  context.num_items = 10;
  auto table = build<EmbeddingLayer>({{"plugin", "zero_embedding"}, {"dim", 1}}, ComponentKind::embedding, context);
  EXPECT_TRUE(torch::equal(table->all(), torch::zeros({10, 1})));
}

class BilinearPlugin : public PluginTest {};

TEST_F(BilinearPlugin, ScoresAreDotProductPlusBiases) {
  ModelContext context;
  context.num_users = 3;
  context.num_items = 4;
  context.embedding_dim = 2;
  json declared{{"users", {{"plugin", "scaled_embedding"}, {"of", "users"}}},
                {"items", {{"plugin", "scaled_embedding"}}},
                {"user_bias", {{"plugin", "zero_embedding"}, {"of", "users"}, {"dim", 1}}},
                {"item_bias", {{"plugin", "zero_embedding"}, {"dim", 1}}}};
  ComponentGraph graph(*registry_, declared, "model.components", context);
  auto net = std::static_pointer_cast<Representation>(
      graph.build(json{{"plugin", "bilinear"}, {"user_embedding", "@users"}, {"item_embedding", "@items"},
                       {"user_bias", "@user_bias"}, {"item_bias", "@item_bias"}},
                  "model.representation", ComponentKind::representation));
  ASSERT_EQ(net->user_input(), UserInput::ids);
  // Set known values: users [[1,2],[0,1],[3,-1]], items [[1,0],[0,1],[1,1],[2,-2]],
  // user biases [0.5, 0, -1], item biases [0, 1, 2, 3].
  {
    torch::NoGradGuard no_grad;
    std::static_pointer_cast<EmbeddingLayer>(graph.build("@users", "t", ComponentKind::embedding))
        ->all()
        .copy_(torch::tensor({{1.f, 2.f}, {0.f, 1.f}, {3.f, -1.f}}));
    std::static_pointer_cast<EmbeddingLayer>(graph.build("@items", "t", ComponentKind::embedding))
        ->all()
        .copy_(torch::tensor({{1.f, 0.f}, {0.f, 1.f}, {1.f, 1.f}, {2.f, -2.f}}));
    std::static_pointer_cast<EmbeddingLayer>(graph.build("@user_bias", "t", ComponentKind::embedding))
        ->all()
        .copy_(torch::tensor({{0.5f}, {0.f}, {-1.f}}));
    std::static_pointer_cast<EmbeddingLayer>(graph.build("@item_bias", "t", ComponentKind::embedding))
        ->all()
        .copy_(torch::tensor({{0.f}, {1.f}, {2.f}, {3.f}}));
  }
  auto states = net->encode_users(torch::tensor({0, 2}, torch::kInt64));
  // user 0 x item 3: 1*2 + 2*(-2) + 0.5 + 3 = 1.5;  user 2 x item 1: -1 + (-1) + 1 = -1
  auto pairs = net->score(states, torch::tensor({3, 1}, torch::kInt64));
  EXPECT_NEAR(pairs[0].item<float>(), 1.5f, 1e-6);
  EXPECT_NEAR(pairs[1].item<float>(), -1.0f, 1e-6);
  // Every item at once equals scoring each pair.
  auto all = net->score_all(states);
  ASSERT_EQ(all.sizes(), (std::vector<int64_t>{2, 4}));
  const float expected[2][4] = {{1.5f, 3.5f, 5.5f, 1.5f}, {2.f, -1.f, 3.f, 10.f}};
  for (int u = 0; u < 2; ++u) {
    for (int i = 0; i < 4; ++i) EXPECT_NEAR(all[u][i].item<float>(), expected[u][i], 1e-5) << u << "," << i;
  }
  // Many negatives per positive broadcast against (1, batch, state).
  auto negatives = net->score(states.unsqueeze(0), torch::tensor({{0, 1}, {2, 3}}, torch::kInt64));
  EXPECT_NEAR(negatives[1][1].item<float>(), 10.f, 1e-5);

  // Evaluation (no gradients, evaluation mode) copies rows by hand and keeps a column-major
  // item matrix: the same states and scores, twice over the cached matrix.
  net->eval();
  torch::NoGradGuard no_grad;
  const auto copied = net->encode_users(torch::tensor({0, 2}, torch::kInt64));
  EXPECT_TRUE(torch::equal(copied, torch::tensor({{1.f, 2.f, 0.5f}, {3.f, -1.f, -1.f}})));
  for (int call = 0; call < 2; ++call) {
    const auto scored = net->score_all(copied);
    for (int u = 0; u < 2; ++u) {
      for (int i = 0; i < 4; ++i) EXPECT_NEAR(scored[u][i].item<float>(), expected[u][i], 1e-5) << u << "," << i;
    }
  }
  try {
    net->encode_users(torch::tensor({3}, torch::kInt64));
    ADD_FAILURE() << "expected an error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "bilinear: user id 3 is outside its 3 rows");
  }
}

class UniformSampler : public PluginTest {};

TEST_F(UniformSampler, SamplesEveryItemIdReproducibly) {
  ModelContext context;
  context.num_items = 7;
  auto sampler = build<Sampler>({{"plugin", "uniform"}, {"num_negative_samples", 3}}, ComponentKind::sampler, context);
  EXPECT_EQ(sampler->num_negative_samples(), 3);
  Random a(1), b(1);
  auto first = sampler->sample({3, 1000}, a);
  auto second = sampler->sample({3, 1000}, b);
  EXPECT_EQ(first.sizes(), (std::vector<int64_t>{3, 1000}));
  EXPECT_TRUE(torch::equal(first, second));
  EXPECT_EQ(first.min().item<int64_t>(), 0);
  EXPECT_EQ(first.max().item<int64_t>(), 6);
}

class MrrPlugin : public PluginTest {};

TEST_F(MrrPlugin, MatchesHandComputedReciprocalRanks) {
  // Scores for 3 users over 5 items.
  FixedScorer scorer(torch::tensor({{0.9f, 0.8f, 0.7f, 0.6f, 0.5f},
                                    {0.1f, 0.2f, 0.3f, 0.4f, 0.5f},
                                    {0.5f, 0.5f, 0.5f, 0.1f, 0.0f}}));
  auto test = matrix(3, 5, {{2}, {0, 4}, {1}});
  auto train = matrix(3, 5, {{0}, {3}, {}});
  EvaluationData data{&test, &train, nullptr};
  // Without exclusion: user 0 item 2 -> rank 3; user 1 items 0, 4 -> ranks 5, 1;
  // user 2 item 1 ties with items 0 and 2 for places 1-3 -> rank 2.
  auto plain = build<Evaluator>({{"plugin", "mrr"}, {"exclude_train", false}, {"batch_size", 2}},
                                ComponentKind::evaluator)
                   ->evaluate(scorer, data);
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(plain[0].name, "mrr");
  EXPECT_EQ(plain[0].user_ids, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_NEAR(plain[0].per_user[0], 1.0 / 3, 1e-12);
  EXPECT_NEAR(plain[0].per_user[1], (1.0 / 5 + 1.0) / 2, 1e-12);
  EXPECT_NEAR(plain[0].per_user[2], 1.0 / 2, 1e-12);
  EXPECT_NEAR(plain[0].value, (1.0 / 3 + 0.6 + 0.5) / 3, 1e-12);
  // Excluding train items: user 0's item 0 drops to the bottom -> item 2 ranks 2;
  // user 1's item 3 drops -> item 0 ranks 4.
  auto excluded = build<Evaluator>({{"plugin", "mrr"}}, ComponentKind::evaluator)->evaluate(scorer, data);
  EXPECT_NEAR(excluded[0].per_user[0], 1.0 / 2, 1e-12);
  EXPECT_NEAR(excluded[0].per_user[1], (1.0 / 4 + 1.0) / 2, 1e-12);
  EXPECT_NEAR(excluded[0].per_user[2], 1.0 / 2, 1e-12);
}

TEST_F(MrrPlugin, UsersWithoutTestItemsAreSkipped) {
  FixedScorer scorer(torch::rand({4, 6}));
  auto test = matrix(4, 6, {{}, {1}, {}, {2}});
  EvaluationData data{&test, nullptr, nullptr};
  auto metrics = build<Evaluator>({{"plugin", "mrr"}}, ComponentKind::evaluator)->evaluate(scorer, data);
  EXPECT_EQ(metrics[0].user_ids, (std::vector<int64_t>{1, 3}));
}

}  // namespace
}  // namespace spotlight

namespace spotlight {
namespace {

class SimpleCfPlugin : public testing::PluginTest {
 protected:
  static ModelContext context() {
    ModelContext model;
    model.num_users = 2;
    model.num_items = 3;
    return model;
  }
  std::string error_of(const nlohmann::json& node) {
    try {
      build<Representation>(node, ComponentKind::representation, context());
    } catch (const ConfigError& error) {
      return error.what();
    }
    return "";
  }
  testing::TemporaryDirectory folder_;
};

TEST_F(SimpleCfPlugin, PretrainedFrozenTablesAndBinaryOutput) {
  const auto users = folder_.path() / "users.txt";
  const auto items = folder_.path() / "items.csv";
  ::spotlight::testing::write_text(users, "1 2\n0.5\t-1\n");
  ::spotlight::testing::write_text(items, "1,0\n0,1\n2,2\n");
  auto net = build<Representation>({{"plugin", "simple_cf"}, {"factors", 2}, {"user_embeddings", users.string()},
                                    {"item_embeddings", items.string()}, {"freeze_users", true}},
                                   ComponentKind::representation, context());
  auto states = net->encode_users(torch::tensor({0, 1}, torch::kInt64));
  // user 0 = (1, 2): items score 1, 2, 6; user 1 = (0.5, -1): 0.5, -1, -1.
  auto all = net->score_all(states);
  const float expected[2][3] = {{1.f, 2.f, 6.f}, {0.5f, -1.f, -1.f}};
  for (int u = 0; u < 2; ++u) {
    for (int i = 0; i < 3; ++i) EXPECT_FLOAT_EQ(all[u][i].item<float>(), expected[u][i]);
  }
  EXPECT_FLOAT_EQ(net->score(states, torch::tensor({2, 0}, torch::kInt64))[1].item<float>(), 0.5f);
  auto parameters = net->named_parameters();
  EXPECT_FALSE(parameters["user_embeddings"].requires_grad());
  EXPECT_TRUE(parameters["item_embeddings"].requires_grad());

  auto binary = build<Representation>({{"plugin", "simple_cf"}, {"factors", 2}, {"user_embeddings", users.string()},
                                       {"item_embeddings", items.string()}, {"binary", true}},
                                      ComponentKind::representation, context());
  auto probability = binary->score_all(binary->encode_users(torch::tensor({0}, torch::kInt64)));
  EXPECT_NEAR(probability[0][2].item<float>(), 1.0 / (1.0 + std::exp(-6.0)), 1e-6);
}

TEST_F(SimpleCfPlugin, InitialisationTakesItsParameters) {
  ModelContext big;
  big.num_users = 200;
  big.num_items = 300;
  auto net = build<Representation>({{"plugin", "simple_cf"}, {"factors", 50}, {"mean", 5.0}, {"std", 0.1}},
                                   ComponentKind::representation, big);
  auto users = net->named_parameters()["user_embeddings"];
  EXPECT_NEAR(users.mean().item<double>(), 5.0, 0.01);
  EXPECT_NEAR(users.std().item<double>(), 0.1, 0.01);
  auto uniform = build<Representation>({{"plugin", "simple_cf"}, {"init", "uniform"}, {"low", -2.0}, {"high", -1.0}},
                                       ComponentKind::representation, big);
  auto items = uniform->named_parameters()["item_embeddings"];
  EXPECT_GE(items.min().item<double>(), -2.0);
  EXPECT_LE(items.max().item<double>(), -1.0);
}

TEST_F(SimpleCfPlugin, BadEmbeddingFilesNameFileAndLine) {
  const auto users = folder_.path() / "users.txt";
  ::spotlight::testing::write_text(users, "1 2\n3\n");
  EXPECT_EQ(error_of({{"plugin", "simple_cf"}, {"factors", 2}, {"user_embeddings", users.string()}}),
            "node.user_embeddings: " + users.string() + ":2: expected 2 numbers (factors), got 1");
  ::spotlight::testing::write_text(users, "1 2\n");
  EXPECT_EQ(error_of({{"plugin", "simple_cf"}, {"factors", 2}, {"user_embeddings", users.string()}}),
            "node.user_embeddings: " + users.string() + ": 1 rows, but 2 are needed");
  EXPECT_EQ(error_of({{"plugin", "simple_cf"}, {"item_embeddings", "/nonexistent.txt"}}),
            "node.item_embeddings: /nonexistent.txt: cannot open the embedding file");
  EXPECT_EQ(error_of({{"plugin", "simple_cf"}, {"init", "uniform"}, {"low", 1.0}, {"high", 1.0}}),
            "node.low: must be below high for uniform initialisation");
}

}  // namespace
}  // namespace spotlight
