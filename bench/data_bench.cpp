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

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "spotlight/framework/text_loaders.h"
#include "spotlight/sdk/random.h"

namespace {

// A MovieLens-1M-style ratings.dat ("user::item::rating::timestamp") of `lines` lines in
// the temporary folder, written once per size.
std::filesystem::path ratings_file(int64_t lines) {
  const auto folder = std::filesystem::temp_directory_path() / ("spotlight-bench-" + std::to_string(lines));
  const auto file = folder / "ratings.dat";
  if (std::filesystem::exists(file)) return folder;
  std::filesystem::create_directories(folder);
  std::ofstream out(file);
  spotlight::Random random(1);
  char line[96];
  for (int64_t i = 0; i < lines; ++i) {
    const int length = std::snprintf(line, sizeof line, "%llu::%llu::%llu::%lld\n",
                                     static_cast<unsigned long long>(random.below(138000) + 1),
                                     static_cast<unsigned long long>(random.below(27000) + 1),
                                     static_cast<unsigned long long>(random.below(5) + 1),
                                     static_cast<long long>(978300760 + i));
    out.write(line, length);
  }
  return folder;
}

void LoadMovieLensRatings(benchmark::State& state) {
  const auto folder = ratings_file(state.range(0));
  const auto bytes = static_cast<int64_t>(std::filesystem::file_size(folder / "ratings.dat"));
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        spotlight::load_movielens(folder, spotlight::IdMapping::dense, spotlight::MalformedLines::error));
  }
  state.SetBytesProcessed(state.iterations() * bytes);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(LoadMovieLensRatings)->Arg(1000000)->Arg(20000000)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
