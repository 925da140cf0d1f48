// Training and evaluation throughput of implicit factorization with the shipped plugins,
// built through the registry and the component graph exactly as `spotlight run` does.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include "spotlight/framework/config/component_graph.h"
#include "spotlight/framework/training/model.h"
#include "spotlight/framework/data/split.h"
#include "spotlight/framework/data/synthetic.h"
#include "bench_registry.h"

namespace {

using nlohmann::json;

spotlight::Interactions dataset(int64_t num_users, int64_t num_items, int64_t num_interactions) {
  spotlight::RandomDataOptions options;
  options.num_users = num_users;
  options.num_items = num_items;
  options.num_interactions = num_interactions;
  options.num_clusters = 20;
  return spotlight::generate_random(options);
}

std::unique_ptr<spotlight::Model> model(int64_t num_users, int64_t num_items, int64_t dim, int64_t batch_size) {
  spotlight::ModelContext context;
  context.num_users = num_users;
  context.num_items = num_items;
  context.embedding_dim = dim;
  spotlight::ComponentGraph graph(spotlight::bench::shipped_plugins(), json::object(), "model.components", context);
  spotlight::ModelParts parts;
  parts.representation = std::static_pointer_cast<spotlight::Representation>(
      graph.build(json{{"plugin", "bilinear"}}, "r", spotlight::ComponentKind::representation));
  parts.loss = std::static_pointer_cast<spotlight::Loss>(graph.build(json{{"plugin", "bpr"}}, "l", spotlight::ComponentKind::loss));
  parts.sampler = std::static_pointer_cast<spotlight::Sampler>(
      graph.build(json{{"plugin", "uniform"}}, "s", spotlight::ComponentKind::sampler));
  parts.optimizer = std::static_pointer_cast<spotlight::Optimizer>(
      graph.build(json{{"plugin", "adam"}}, "o", spotlight::ComponentKind::optimizer));
  parts.optimizer_name = "adam";
  spotlight::TrainingOptions options;
  options.n_iter = 1;
  options.batch_size = batch_size;
  return spotlight::make_model("implicit_factorization", std::move(parts), options, num_users, num_items);
}

// One epoch of BPR training: args are users, items, interactions, embedding dim.
void ImplicitBprEpoch(benchmark::State& state) {
  const auto data = dataset(state.range(0), state.range(1), state.range(2));
  auto trained = model(state.range(0), state.range(1), state.range(3), 256);
  for (auto _ : state) trained->fit(data, nullptr);
  state.SetItemsProcessed(state.iterations() * state.range(2));
  state.counters["interactions/s"] = benchmark::Counter(static_cast<double>(state.iterations() * state.range(2)),
                                                        benchmark::Counter::kIsRate);
}
BENCHMARK(ImplicitBprEpoch)
    ->Args({1000, 1700, 80000, 32})    // MovieLens 100K-sized
    ->Args({6000, 3700, 800000, 32})   // MovieLens 1M-sized
    ->Args({1000, 1700, 80000, 128})
    ->Unit(benchmark::kMillisecond);

// Scoring every item for every user: args are users, items, dim.
void ScoreAllItems(benchmark::State& state) {
  auto scorer = model(state.range(0), state.range(1), state.range(2), 256);
  auto users = torch::arange(state.range(0), torch::kInt64);
  for (auto _ : state) benchmark::DoNotOptimize(scorer->score_users(users));
  state.counters["users/s"] = benchmark::Counter(static_cast<double>(state.iterations() * state.range(0)),
                                                 benchmark::Counter::kIsRate);
}
BENCHMARK(ScoreAllItems)->Args({1000, 1700, 32})->Args({6000, 3700, 32})->Unit(benchmark::kMillisecond);

}  // namespace

namespace {

// Full-ranking MRR over a random split: args are users, items, interactions.
void MrrEvaluation(benchmark::State& state) {
  const auto data = dataset(state.range(0), state.range(1), state.range(2));
  const auto split = spotlight::random_train_test_split(data, 0.2, 1);
  const auto train = split.train.to_matrix();
  const auto test = split.test.to_matrix();
  auto scorer = model(state.range(0), state.range(1), 32, 256);
  spotlight::ModelContext context;
  context.num_users = state.range(0);
  context.num_items = state.range(1);
  spotlight::ComponentGraph graph(spotlight::bench::shipped_plugins(), json::object(), "model.components", context);
  auto mrr = std::static_pointer_cast<spotlight::Evaluator>(
      graph.build(json{{"plugin", "mrr"}}, "e", spotlight::ComponentKind::evaluator));
  spotlight::EvaluationData evaluation{&test, &train, nullptr};
  for (auto _ : state) benchmark::DoNotOptimize(mrr->evaluate(*scorer, evaluation));
  state.counters["users/s"] = benchmark::Counter(static_cast<double>(state.iterations() * state.range(0)),
                                                 benchmark::Counter::kIsRate);
}
BENCHMARK(MrrEvaluation)->Args({1000, 1700, 100000})->Args({6000, 3700, 1000000})->Unit(benchmark::kMillisecond);

}  // namespace
