// After training: top-k for every user of an ML-20M-shaped model, and the latency of
// `spotlight serve` under a bounded load of concurrent loopback clients. Run:
//   build/bin/spotlight_bench --benchmark_filter='AllUsers|Serve' --benchmark_counters_tabular=true
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <thread>

#include <benchmark/benchmark.h>
#include <httplib.h>

#include "bench_registry.h"
#include "spotlight/framework/run/recommendation_file.h"
#include "spotlight/framework/run/runner.h"
#include "spotlight/framework/serve/recommendation_server.h"
#include "spotlight/framework/training/runtime.h"

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// A model trained for one epoch on `experiment` and loaded back, kept for the process.
struct LoadedModel {
  spotlight::LoadedCheckpoint saved;
  std::unique_ptr<spotlight::Recommender> recommender;
};

LoadedModel& trained(const std::string& name, const json& experiment) {
  static std::map<std::string, std::unique_ptr<LoadedModel>> models;
  auto& model = models[name];
  if (!model) {
    const fs::path folder = fs::temp_directory_path() / ("spotlight-bench-" + name + "-" + std::to_string(getpid()));
    std::ostringstream progress;
    spotlight::RunOptions options;
    options.output_dir = folder;
    spotlight::run_loaded_experiment(experiment, options, spotlight::bench::shipped_plugins(), progress);
    model = std::make_unique<LoadedModel>();
    model->saved = spotlight::load_checkpoint(folder, spotlight::bench::shipped_plugins());
    model->recommender = std::make_unique<spotlight::Recommender>(model->saved);
    fs::remove_all(folder);
  }
  return *model;
}

json factorization_experiment(int64_t users, int64_t items, int64_t interactions) {
  return {{"dataset",
           {{"loader", "synthetic_random"}, {"num_users", users}, {"num_items", items},
            {"num_interactions", interactions}, {"num_clusters", 20}, {"seed", 1}}},
          {"split", {{"type", "random"}, {"test_fraction", 0.01}, {"seed", 1}}},
          {"model",
           {{"type", "implicit_factorization"}, {"representation", {{"plugin", "bilinear"}}},
            {"loss", {{"plugin", "bpr"}}}, {"sampler", {{"plugin", "uniform"}}}, {"embedding_dim", 32},
            {"n_iter", 1}, {"batch_size", 4096}}},
          {"evaluation", json::array()}};
}

// ML-20M's shape: 138,493 users, 26,744 items, dimension 32. Arguments: worker threads.
void AllUsersMl20mShape(benchmark::State& state) {
  auto& model = trained("ml20m", factorization_experiment(138493, 26744, 2000000));
  const auto users = model.recommender->users_with_history();
  spotlight::set_compute_threads(1);
  spotlight::RecommendationFileOptions options;
  options.k = 10;
  options.threads = static_cast<int>(state.range(0));
  const fs::path output = fs::temp_directory_path() / ("spotlight-bench-all-" + std::to_string(getpid()) + ".csv");
  for (auto _ : state) spotlight::write_recommendations(*model.recommender, users, output, options);
  fs::remove(output);
  state.counters["users"] = static_cast<double>(users.size());
  state.counters["users_per_second"] =
      benchmark::Counter(static_cast<double>(users.size()), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(AllUsersMl20mShape)->Arg(1)->Arg(2)->Unit(benchmark::kSecond)->Iterations(1)->UseRealTime();

// `clients` loopback clients, each sending `requests` requests over one keep-alive connection.
void serve_load(benchmark::State& state, LoadedModel& model, const std::function<httplib::Result(httplib::Client&, int)>& ask) {
  spotlight::set_compute_threads(1);
  spotlight::ServeOptions options;
  options.port = 0;
  options.threads = 4;
  spotlight::RecommendationServer server(model.saved, *model.recommender, options);
  const int port = server.bind();
  std::thread serving([&] { server.run(); });
  const int clients = static_cast<int>(state.range(0));
  const int requests = 500;
  std::vector<double> latencies;
  double seconds = 0.0;
  for (auto _ : state) {
    std::vector<std::vector<double>> per_client(static_cast<size_t>(clients));
    const auto started = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
      threads.emplace_back([&, c] {
        httplib::Client client("127.0.0.1", port);
        client.set_keep_alive(true);
        client.set_tcp_nodelay(true);
        for (int r = 0; r < requests; ++r) {
          const auto sent = std::chrono::steady_clock::now();
          auto result = ask(client, c * requests + r);
          if (!result || result->status != 200) std::abort();
          per_client[static_cast<size_t>(c)].push_back(
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - sent).count());
        }
      });
    }
    for (auto& thread : threads) thread.join();
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    for (auto& own : per_client) latencies.insert(latencies.end(), own.begin(), own.end());
  }
  server.stop();
  serving.join();
  std::sort(latencies.begin(), latencies.end());
  auto percentile = [&](double p) { return latencies[static_cast<size_t>(p * static_cast<double>(latencies.size() - 1))]; };
  state.counters["p50_ms"] = percentile(0.50);
  state.counters["p99_ms"] = percentile(0.99);
  state.counters["requests_per_second"] = static_cast<double>(latencies.size()) / seconds;
}

// ML-100K-sized models: 943 users, 1,682 items, 100,000 interactions.
void ServeFactorizationRecommend(benchmark::State& state) {
  auto& model = trained("serve-factorization", factorization_experiment(943, 1682, 100000));
  serve_load(state, model, [](httplib::Client& client, int request) {
    return client.Get(("/recommend?user=" + std::to_string(request % 943) + "&k=10").c_str());
  });
}
BENCHMARK(ServeFactorizationRecommend)->Arg(1)->Arg(4)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

void ServeSequenceRecommend(benchmark::State& state) {
  const json experiment{
      {"dataset",
       {{"loader", "synthetic_sequential"}, {"num_users", 943}, {"num_items", 1682}, {"num_interactions", 100000},
        {"concentration", 0.05}, {"order", 2}, {"seed", 1}}},
      {"split", {{"type", "user_based"}, {"test_fraction", 0.1}, {"seed", 1}}},
      {"sequence", {{"max_length", 50}}},
      {"model",
       {{"type", "implicit_sequence"}, {"representation", {{"plugin", "cnn"}}}, {"loss", {{"plugin", "bpr"}}},
        {"sampler", {{"plugin", "uniform"}}}, {"embedding_dim", 32}, {"n_iter", 1}, {"batch_size", 256}}},
      {"evaluation", json::array()}};
  auto& model = trained("serve-sequence", experiment);
  serve_load(state, model, [](httplib::Client& client, int request) {
    json body{{"sequence", json::array()}, {"k", 10}};
    for (int i = 0; i < 20; ++i) body["sequence"].push_back(std::to_string(1 + (request * 7 + i * 13) % 1681));
    return client.Post("/recommend", body.dump(), "application/json");
  });
}
BENCHMARK(ServeSequenceRecommend)->Arg(1)->Arg(4)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

}  // namespace
