// A parameter that a minibatch's loss does not reach is stepped as after LibTorch's
// zero_grad: with a zero gradient, so Adam still moves it by its momentum. The host drops the
// gradients before each backward pass (instead of filling them with zeros) and gives zeros
// back to those the step did not set; this checks the result against Adam's arithmetic.
#include <cmath>
#include <vector>

#include "models/plugin_fixture.h"
#include "spotlight/framework/data/synthetic.h"
#include "spotlight/framework/training/model.h"

namespace spotlight {
namespace {

using nlohmann::json;
using testing::PluginTest;

// Dot products of user and item vectors, plus `first_only` in the first minibatch alone.
class FirstStepOnly : public Representation {
 public:
  FirstStepOnly(int64_t users, int64_t items) {
    users_ = register_parameter("users", torch::randn({users, 4}) * 0.1);
    items_ = register_parameter("items", torch::randn({items, 4}) * 0.1);
    first_only_ = register_parameter("first_only", torch::zeros({1}));
  }

  UserInput user_input() const override { return UserInput::ids; }

  torch::Tensor encode_users(const torch::Tensor& user_ids) override {
    auto states = users_.index_select(0, user_ids.reshape({-1})).view({user_ids.numel(), 4});
    if (minibatches_++ == 0) states = states + first_only_;
    return states;
  }

  torch::Tensor score(const torch::Tensor& states, const torch::Tensor& item_ids) override {
    auto shape = item_ids.sizes().vec();
    shape.push_back(4);
    return (states * items_.index_select(0, item_ids.reshape({-1})).view(shape)).sum(-1);
  }

  torch::Tensor score_all(const torch::Tensor& states) override { return states.matmul(items_.t()); }

  torch::Tensor first_only() const { return first_only_.detach().clone(); }

 private:
  torch::Tensor users_, items_, first_only_;
  int64_t minibatches_ = 0;
};

class UntouchedParameter : public PluginTest {};

TEST_F(UntouchedParameter, IsSteppedWithAZeroGradientAsAfterZeroGrad) {
  RandomDataOptions data_options;
  data_options.num_users = 20;
  data_options.num_items = 30;
  data_options.num_interactions = 200;
  const auto data = generate_random(data_options);
  ModelContext context;
  context.num_users = data.num_users;
  context.num_items = data.num_items;
  context.embedding_dim = 4;
  ComponentGraph graph(*registry_, json::object(), "model.components", context);
  torch::manual_seed(1);
  auto representation = std::make_shared<FirstStepOnly>(data.num_users, data.num_items);
  ModelParts parts;
  parts.representation = representation;
  parts.loss = std::static_pointer_cast<Loss>(graph.build(json{{"plugin", "bpr"}}, "model.loss", ComponentKind::loss));
  parts.sampler =
      std::static_pointer_cast<Sampler>(graph.build(json{{"plugin", "uniform"}}, "model.sampler", ComponentKind::sampler));
  const double lr = 0.01, beta1 = 0.9, beta2 = 0.999;
  parts.optimizer = std::static_pointer_cast<Optimizer>(graph.build_named_by(
      json{{"learning_rate", lr}}, "model.optimizer", ComponentKind::optimizer, "type", "adam"));
  parts.optimizer_name = "adam";
  TrainingOptions options;
  options.batch_size = 1000;  // every interaction in one minibatch: one step per epoch
  options.seed = 3;
  options.n_iter = 1;
  auto model = make_model("implicit_factorization", std::move(parts), options, data.num_users, data.num_items);
  model->fit(data, [](const EpochReport&) {});
  const float first = representation->first_only().item<float>();
  model->fit(data, [](const EpochReport&) {});
  const float second = representation->first_only().item<float>();
  // Step 1 (gradient g): m = (1 - b1) g, v = (1 - b2) g^2, so the step is lr g / |g| (eps
  // aside). Step 2 (gradient 0): m = b1 (1 - b1) g, v = b2 (1 - b2) g^2; with the bias
  // corrections 1 - b^2 the step is lr (b1 / (1 + b1)) / sqrt(b2 / (1 + b2)) sign(g).
  ASSERT_NEAR(std::abs(first), lr, 1e-4);
  const double ratio = (beta1 / (1 + beta1)) / std::sqrt(beta2 / (1 + beta2));
  EXPECT_NEAR((second - first) / first, ratio, 1e-3);
}

}  // namespace
}  // namespace spotlight
