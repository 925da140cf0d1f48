#include <string>
#include <vector>

#include "models/plugin_fixture.h"
#include "spotlight/framework/data/synthetic.h"
#include "spotlight/framework/training/minibatch_parts.h"
#include "spotlight/framework/training/model.h"
#include "spotlight/sdk/random.h"

namespace spotlight {
namespace {

using nlohmann::json;
using testing::PluginTest;

struct Case {
  json representation;
  std::string loss;
  int64_t negatives;
};

class MinibatchParts : public PluginTest {
 protected:
  // A sequence model of `c`, trained with plain SGD (each parameter moves by lr times its
  // gradient, so equal parameters mean equal gradients) on `threads` threads.
  std::unique_ptr<Model> trained(const Case& c, const Interactions& data, int64_t threads,
                                 std::vector<double>* losses) {
    ModelContext context;
    context.num_users = data.num_users;
    context.num_items = data.num_items;
    context.embedding_dim = 8;
    ComponentGraph graph(*registry_, json::object(), "model.components", context);
    ModelParts parts;
    torch::manual_seed(3);  // the same initial parameters for every thread count
    parts.representation = std::static_pointer_cast<Representation>(
        graph.build(c.representation, "model.representation", ComponentKind::representation));
    parts.loss = std::static_pointer_cast<Loss>(graph.build(json{{"plugin", c.loss}}, "model.loss", ComponentKind::loss));
    if (c.negatives > 0) {  // none: a loss over the whole catalogue
      parts.sampler = std::static_pointer_cast<Sampler>(graph.build(
          json{{"plugin", "uniform"}, {"num_negative_samples", c.negatives}}, "model.sampler", ComponentKind::sampler));
    }
    parts.optimizer = std::static_pointer_cast<Optimizer>(graph.build_named_by(
        json{{"learning_rate", 0.5}}, "model.optimizer", ComponentKind::optimizer, "type", "sgd"));
    parts.optimizer_name = "sgd";
    TrainingOptions options;
    options.n_iter = 3;
    options.batch_size = 1000;  // every sequence in one minibatch: one step per epoch
    options.seed = 11;
    options.threads = threads;
    options.sequence.max_length = 6;
    options.sequence.step_size = 3;
    auto model = make_model("implicit_sequence", std::move(parts), options, data.num_users, data.num_items);
    model->fit(data, [&](const EpochReport& epoch) { losses->push_back(epoch.loss); });
    return model;
  }

  static Interactions weighted_chain() {
    SequentialDataOptions options;
    options.num_users = 30;
    options.num_items = 25;
    options.num_interactions = 600;
    options.seed = 5;
    auto data = generate_sequential(options);
    Random random(8);
    data.weights.resize(data.size());
    // Weights from 0 to 2, every seventh 0: parts differ in how much of the minibatch they weigh.
    for (size_t row = 0; row < data.size(); ++row) data.weights[row] = row % 7 == 0 ? 0.0f : 2.0f * random.uniform();
    return data;
  }

  static double largest_difference(Model& a, Model& b) {
    const auto first = a.representation().parameters();
    const auto second = b.representation().parameters();
    double largest = 0.0;
    for (size_t i = 0; i < first.size(); ++i) {
      largest = std::max(largest, (first[i] - second[i]).abs().max().item<double>());
    }
    return largest;
  }
};

const std::vector<Case> kCases{
    {{{"plugin", "lstm"}}, "bpr", 1},
    {{{"plugin", "cnn"}, {"kernel_width", 3}}, "adaptive_hinge", 4},
    {{{"plugin", "pooling"}}, "hinge", 1},
    {{{"plugin", "mixture"}}, "pointwise", 1},
    {{{"plugin", "gru4rec"}, {"hidden_dropout", 0.0}}, "bpr_max", 5},
    {{{"plugin", "sasrec"}, {"dropout", 0.0}}, "sampled_softmax", 5},
    {{{"plugin", "cnn"}}, "softmax", 0},
    {{{"plugin", "sasrec"}, {"dropout", 0.0}}, "softmax", 0},
};

TEST_F(MinibatchParts, TwoOrThreePartsTakeTheOneThreadStep) {
  const auto data = weighted_chain();
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.representation.dump() + " + " + c.loss);
    std::vector<double> one_losses;
    auto one = trained(c, data, 1, &one_losses);
    for (int64_t threads : {2, 3}) {
      SCOPED_TRACE(std::to_string(threads) + " threads");
      std::vector<double> losses;
      auto split = trained(c, data, threads, &losses);
      ASSERT_EQ(losses.size(), one_losses.size());
      // The first epoch's loss is the same forward pass; the later ones follow from the
      // steps, so they match only when the parts' gradients add up to the minibatch's.
      for (size_t epoch = 0; epoch < losses.size(); ++epoch) {
        EXPECT_NEAR(losses[epoch], one_losses[epoch], 1e-5 * std::abs(one_losses[epoch])) << "epoch " << epoch + 1;
      }
      EXPECT_LT(largest_difference(*one, *split), 1e-5);
    }
  }
}

TEST(BalancedPartBounds, EachPartTakesTheShareOfStepsClosestToEqual) {
  using Bounds = std::vector<int64_t>;
  EXPECT_EQ(balanced_part_bounds({5, 5, 5, 5}, 2), (Bounds{0, 2, 4}));
  EXPECT_EQ(balanced_part_bounds({1, 1, 1, 1, 1, 1}, 3), (Bounds{0, 2, 4, 6}));
  // A long sequence second: halves by count would hold 270 and 100 steps, these 210 and 160.
  EXPECT_EQ(balanced_part_bounds({10, 200, 20, 20, 20, 20, 20, 20, 20, 20}, 2), (Bounds{0, 2, 10}));
  // Half of 102 is 51: a cut after the first sequence leaves 100 | 2, before it 0 | 102.
  EXPECT_EQ(balanced_part_bounds({100, 1, 1}, 2), (Bounds{0, 1, 3}));
  // A third of 12 steps is 4: the first cut falls after 3 steps (1 short) rather than 8.
  EXPECT_EQ(balanced_part_bounds({3, 5, 1, 3}, 3), (Bounds{0, 1, 2, 4}));
  // No work: even counts. More parts than sequences: some parts are empty.
  EXPECT_EQ(balanced_part_bounds({0, 0, 0}, 2), (Bounds{0, 1, 3}));
  EXPECT_EQ(balanced_part_bounds({4}, 3), (Bounds{0, 0, 1, 1}));
  EXPECT_EQ(balanced_part_bounds({7, 7}, 1), (Bounds{0, 2}));
}

TEST_F(MinibatchParts, DropoutInPartsIsReproducible) {
  const auto data = weighted_chain();
  const Case c{{{"plugin", "sasrec"}, {"dropout", 0.3}}, "bpr", 1};
  std::vector<double> first_losses, second_losses, one_losses;
  auto first = trained(c, data, 2, &first_losses);
  auto second = trained(c, data, 2, &second_losses);
  EXPECT_EQ(first_losses, second_losses);
  EXPECT_EQ(largest_difference(*first, *second), 0.0);
  // Dropout did draw masks: its parts trained differently from a step without dropout.
  const Case without{{{"plugin", "sasrec"}, {"dropout", 0.0}}, "bpr", 1};
  auto plain = trained(without, data, 2, &one_losses);
  EXPECT_GT(largest_difference(*first, *plain), 1e-4);
}

}  // namespace
}  // namespace spotlight
