// Training throughput of the sequence representations (non-padding steps per second), built
// through the registry and the component graph exactly as `spotlight run` does, on MovieLens
// 100K-shaped data: ~850 windows of 200 steps, 1,683 items, batch 32, dim 32.
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include "spotlight/framework/config/component_graph.h"
#include "spotlight/framework/training/model.h"
#include "spotlight/framework/training/huge_pages.h"
#include "spotlight/framework/training/runtime.h"
#include "spotlight/framework/data/synthetic.h"
#include "bench_registry.h"

namespace {

using nlohmann::json;

const char* const kRepresentations[] = {"pooling", "cnn", "lstm", "mixture", "gru4rec", "sasrec"};
const char* const kLosses[] = {"bpr", "adaptive_hinge", "softmax", "sampled_softmax", "bpr_max"};

// The data every case trains on, generated once per process (outside any timing, but it took
// a quarter of a bench run's time when each case and repetition made its own).
const spotlight::Interactions& movielens_shaped_data() {
  static const spotlight::Interactions data = [] {
    spotlight::SequentialDataOptions options;
    options.num_users = 850;
    options.num_items = 1683;
    options.num_interactions = 80000;
    options.concentration = 0.1;
    return spotlight::generate_sequential(options);
  }();
  return data;
}

// One epoch of sequence training: args are representation and loss (indexes into the lists
// above), the window length and the experiment's `threads` (each minibatch trained in that
// many parts at once); `negatives` per positive for the losses that take many.
void run_sequence_epoch(benchmark::State& state, int64_t negatives) {
  spotlight::set_compute_threads(1);
  spotlight::keep_freed_memory();
  spotlight::use_huge_pages_for_large_tensors();
  const auto& data = movielens_shaped_data();

  spotlight::ModelContext context;
  context.num_users = data.num_users;
  context.num_items = data.num_items;
  context.embedding_dim = 32;
  spotlight::ComponentGraph graph(spotlight::bench::shipped_plugins(), json::object(), "model.components", context);
  spotlight::ModelParts parts;
  parts.representation = std::static_pointer_cast<spotlight::Representation>(graph.build(
      json{{"plugin", kRepresentations[state.range(0)]}}, "r", spotlight::ComponentKind::representation));
  parts.loss = std::static_pointer_cast<spotlight::Loss>(
      graph.build(json{{"plugin", kLosses[state.range(1)]}}, "l", spotlight::ComponentKind::loss));
  parts.sampler = std::static_pointer_cast<spotlight::Sampler>(
      graph.build(json{{"plugin", "uniform"}, {"num_negative_samples", negatives}}, "s",
                  spotlight::ComponentKind::sampler));
  parts.optimizer = std::static_pointer_cast<spotlight::Optimizer>(
      graph.build(json{{"plugin", "adam"}}, "o", spotlight::ComponentKind::optimizer));
  parts.optimizer_name = "adam";
  spotlight::TrainingOptions options;
  options.n_iter = 1;
  options.batch_size = 32;
  options.sequence.max_length = state.range(2);
  options.threads = state.range(3);
  auto model = spotlight::make_model("implicit_sequence", std::move(parts), options, data.num_users, data.num_items);

  int64_t steps = 0;
  for (auto _ : state) model->fit(data, [&](const spotlight::EpochReport& epoch) { steps += epoch.examples; });
  state.SetLabel(std::string(kRepresentations[state.range(0)]) + " + " + kLosses[state.range(1)] + ", " +
                 std::to_string(negatives) + " negatives");
  state.counters["steps/s"] = benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
}

// The uniform sampler's default: 5 negatives per positive for the losses that take many.
void SequenceEpoch(benchmark::State& state) { run_sequence_epoch(state, 5); }

// A fifth arg: the negatives per positive.
void SequenceNegativesEpoch(benchmark::State& state) { run_sequence_epoch(state, state.range(4)); }
BENCHMARK(SequenceEpoch)
    ->ArgsProduct({{0, 1, 2, 3}, {0, 1}, {200}, {1}})
    ->Args({1, 0, 50, 1})  // cnn + bpr over shorter windows
    ->Iterations(2)
    ->Unit(benchmark::kMillisecond);
// The representations beyond Spotlight's beside lstm, with adaptive_hinge and the full
// softmax over windows of 200, on one thread and on two (`--benchmark_filter=SequenceModelEpoch`).
BENCHMARK(SequenceEpoch)
    ->Name("SequenceModelEpoch")
    ->ArgsProduct({{2, 4, 5}, {1, 2}, {200}, {1, 2}})
    ->Iterations(2)
    ->Unit(benchmark::kMillisecond);
// The losses' epoch cost on the 1,683-item catalogue: adaptive_hinge (5 sampled negatives)
// against the full softmax over every item, and the sampled softmax and BPR-max, with pooling
// and cnn over windows of 50 (`--benchmark_filter=SequenceLossEpoch`).
BENCHMARK(SequenceEpoch)
    ->Name("SequenceLossEpoch")
    ->ArgsProduct({{0, 1}, {1, 2, 3, 4}, {50}, {1}})
    ->Iterations(2)
    ->Unit(benchmark::kMillisecond);

// GRU4Rec's losses over many negatives: adaptive hinge, the sampled softmax and BPR-max, gru4rec
// over windows of 200 with 50 negatives per positive (`--benchmark_filter=SequenceNegativesEpoch`).
BENCHMARK(SequenceNegativesEpoch)
    ->ArgsProduct({{4}, {1, 3, 4}, {200}, {1}, {50}})
    ->Iterations(2)
    ->Unit(benchmark::kMillisecond);

}  // namespace
