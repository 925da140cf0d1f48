// Data generation and splitting: never the bottleneck of an experiment.
#include <benchmark/benchmark.h>

#include "spotlight/framework/split.h"
#include "spotlight/framework/synthetic.h"

namespace {

void GenerateRandom(benchmark::State& state) {
  spotlight::RandomDataOptions options;
  options.num_users = 10000;
  options.num_items = 5000;
  options.num_interactions = state.range(0);
  options.num_clusters = 50;
  for (auto _ : state) benchmark::DoNotOptimize(spotlight::generate_random(options));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(GenerateRandom)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);

void RandomSplit(benchmark::State& state) {
  spotlight::RandomDataOptions options;
  options.num_interactions = state.range(0);
  const auto data = spotlight::generate_random(options);
  for (auto _ : state) benchmark::DoNotOptimize(spotlight::random_train_test_split(data, 0.2, 1));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(RandomSplit)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);

void ToMatrix(benchmark::State& state) {
  spotlight::RandomDataOptions options;
  options.num_users = 10000;
  options.num_interactions = state.range(0);
  const auto data = spotlight::generate_random(options);
  for (auto _ : state) benchmark::DoNotOptimize(data.to_matrix());
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(ToMatrix)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);

}  // namespace
