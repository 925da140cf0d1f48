// Data generation and splitting: never the bottleneck of an experiment.
#include <benchmark/benchmark.h>

#include "spotlight/framework/data/split.h"
#include "spotlight/framework/data/synthetic.h"

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
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "spotlight/framework/data/sequences.h"
#include "spotlight/framework/data/text_loaders.h"
#include "spotlight/sdk/random.h"

namespace {

// Data loading at MovieLens 20M/25M scale. Each file is written once into the temporary
// folder (spotlight-bench-LAYOUT-LINES/) and reused by later runs; the first run spends
// ~10 s per file writing it.
enum class Layout { u_data, ratings_dat, ratings_csv };

const char* file_name(Layout layout) {
  switch (layout) {
    case Layout::u_data: return "u.data";
    case Layout::ratings_dat: return "ratings.dat";
    case Layout::ratings_csv: return "ratings.csv";
  }
  return "";
}

// A folder holding a MovieLens-style ratings file of `lines` random lines: ids as in
// MovieLens 20M (138k users, 27k items), ratings 1-5 (halves in ratings.csv), rising timestamps.
std::filesystem::path ratings_folder(Layout layout, int64_t lines) {
  const auto folder = std::filesystem::temp_directory_path() /
                      ("spotlight-bench-" + std::string(file_name(layout)) + "-" + std::to_string(lines));
  const auto file = folder / file_name(layout);
  if (std::filesystem::exists(file)) return folder;
  std::filesystem::create_directories(folder);
  const auto partial = folder / "writing";
  std::ofstream out(partial);
  if (layout == Layout::ratings_csv) out << "userId,movieId,rating,timestamp\n";
  spotlight::Random random(1);
  char line[96];
  for (int64_t i = 0; i < lines; ++i) {
    const auto user = static_cast<unsigned long long>(random.below(138000) + 1);
    const auto item = static_cast<unsigned long long>(random.below(27000) + 1);
    const auto stars = static_cast<unsigned long long>(random.below(10) + 1);  // half stars
    const auto time = static_cast<long long>(978300760 + i);
    int length = 0;
    switch (layout) {
      case Layout::u_data:
        length = std::snprintf(line, sizeof line, "%llu\t%llu\t%llu\t%lld\n", user, item, (stars + 1) / 2, time);
        break;
      case Layout::ratings_dat:
        length = std::snprintf(line, sizeof line, "%llu::%llu::%llu::%lld\n", user, item, (stars + 1) / 2, time);
        break;
      case Layout::ratings_csv:
        length = std::snprintf(line, sizeof line, "%llu,%llu,%llu.%d,%lld\n", user, item, stars / 2, stars % 2 ? 5 : 0, time);
        break;
    }
    out.write(line, length);
  }
  out.close();
  std::filesystem::rename(partial, file);  // a run stopped half way leaves no truncated file
  return folder;
}

void ParseMovieLens(benchmark::State& state, Layout layout) {
  const auto folder = ratings_folder(layout, state.range(0));
  const auto bytes = static_cast<int64_t>(std::filesystem::file_size(folder / file_name(layout)));
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        spotlight::load_movielens(folder, spotlight::IdMapping::dense, spotlight::MalformedLines::error));
  }
  state.SetBytesProcessed(state.iterations() * bytes);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK_CAPTURE(ParseMovieLens, u_data, Layout::u_data)->Arg(20000000)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_CAPTURE(ParseMovieLens, ratings_dat, Layout::ratings_dat)
    ->Arg(1000000)
    ->Arg(20000000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);
BENCHMARK_CAPTURE(ParseMovieLens, ratings_csv, Layout::ratings_csv)
    ->Arg(20000000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

// The real MovieLens 100K u.data ($SPOTLIGHT_ML100K, else ../shared/data/ml-100k beside the
// checkout); its license keeps it out of the repository, so the case is skipped without it.
void ParseMovieLens100K(benchmark::State& state) {
  const char* override_folder = std::getenv("SPOTLIGHT_ML100K");
  const std::filesystem::path folder = override_folder ? override_folder
                                                       : std::filesystem::path(SPOTLIGHT_SOURCE_DIR) / ".." / "shared" /
                                                             "data" / "ml-100k";
  if (!std::filesystem::exists(folder / "u.data")) {
    state.SkipWithError("MovieLens 100K not found; set SPOTLIGHT_ML100K");
    return;
  }
  const auto bytes = static_cast<int64_t>(std::filesystem::file_size(folder / "u.data"));
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        spotlight::load_movielens(folder, spotlight::IdMapping::dense, spotlight::MalformedLines::error));
  }
  state.SetBytesProcessed(state.iterations() * bytes);
}
BENCHMARK(ParseMovieLens100K)->Unit(benchmark::kMillisecond);

// The 20M-line ratings.csv, loaded once for the cases below. Raw ids keep item 0 free, as
// to_sequence needs it for padding.
const spotlight::Interactions& twenty_million() {
  static const auto data = spotlight::load_movielens(ratings_folder(Layout::ratings_csv, 20000000),
                                                     spotlight::IdMapping::raw, spotlight::MalformedLines::error)
                               .interactions;
  return data;
}

void ToSequence20M(benchmark::State& state) {
  const auto& data = twenty_million();
  spotlight::SequenceOptions options;
  options.max_length = state.range(0);
  for (auto _ : state) benchmark::DoNotOptimize(spotlight::to_sequence(data, options));
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(data.size()));
}
BENCHMARK(ToSequence20M)->Arg(10)->Arg(200)->Unit(benchmark::kMillisecond)->Iterations(1);

void RandomSplit20M(benchmark::State& state) {
  const auto& data = twenty_million();
  for (auto _ : state) benchmark::DoNotOptimize(spotlight::random_train_test_split(data, 0.2, 1));
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(data.size()));
}
BENCHMARK(RandomSplit20M)->Unit(benchmark::kMillisecond)->Iterations(1);

void UserBasedSplit20M(benchmark::State& state) {
  const auto& data = twenty_million();
  for (auto _ : state) benchmark::DoNotOptimize(spotlight::user_based_train_test_split(data, 0.2, 1));
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(data.size()));
}
BENCHMARK(UserBasedSplit20M)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace
