#include "spotlight/framework/runner.h"

#include <chrono>
#include <cstdio>
#include <sstream>
#include <thread>

#include <ATen/Parallel.h>
#include <torch/utils.h>

#include "spotlight/framework/assembly.h"
#include "spotlight/framework/atomic_file.h"
#include "spotlight/framework/checkpoint.h"
#include "spotlight/framework/experiment_data.h"
#include "spotlight/framework/evaluation.h"
#include "spotlight/framework/experiment.h"
#include "spotlight/framework/model.h"
#include "spotlight/framework/replicas.h"
#include "spotlight/framework/runtime.h"
#include "spotlight/framework/split.h"
#include "spotlight/framework/svg_plot.h"
#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/evaluator.h"

namespace spotlight {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string format(const char* pattern, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, pattern, value);
  return buffer;
}

// The first JSON path where `a` and `b` differ ("" when they are equal).
std::string first_difference(const nlohmann::json& a, const nlohmann::json& b, const std::string& path) {
  // Numbers compare by value: 1024 read from a file and 1024 filled in as a default differ in type only.
  if (a.is_number() && b.is_number()) return a == b ? "" : path;
  if (a.type() != b.type()) return path.empty() ? "the top level" : path;
  if (a.is_object()) {
    for (const auto& [key, value] : a.items()) {
      const std::string child = path.empty() ? key : path + "." + key;
      if (!b.contains(key)) return child;
      if (auto found = first_difference(value, b.at(key), child); !found.empty()) return found;
    }
    for (const auto& [key, value] : b.items()) {
      if (!a.contains(key)) return path.empty() ? key : path + "." + key;
    }
    return "";
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return path;
    for (size_t i = 0; i < a.size(); ++i) {
      if (auto found = first_difference(a[i], b[i], path + "." + std::to_string(i)); !found.empty()) return found;
    }
    return "";
  }
  return a == b ? "" : path;
}

// "epoch 3/10 [#######.............]  35%  loss 0.4123  1.2 s": the bar a terminal shows.
std::string progress_line(int64_t epoch, int64_t n_iter, int64_t done, int64_t total, double loss, double seconds) {
  constexpr int kWidth = 30;
  const auto filled = static_cast<int>(kWidth * done / std::max<int64_t>(total, 1));
  std::string bar = "epoch " + std::to_string(epoch) + "/" + std::to_string(n_iter) + " [" +
                    std::string(static_cast<size_t>(filled), '#') + std::string(static_cast<size_t>(kWidth - filled), '.') +
                    "] ";
  char rest[96];
  std::snprintf(rest, sizeof rest, "%3d%%  loss %.4f  %.1f s", static_cast<int>(100 * done / std::max<int64_t>(total, 1)),
                loss, seconds);
  return bar + rest;
}

// Training loss per epoch, as an SVG line plot.
std::string epoch_loss_plot(const nlohmann::json& epochs) {
  std::vector<double> xs, ys;
  for (const auto& epoch : epochs) {
    xs.push_back(epoch.at("epoch").get<double>());
    ys.push_back(epoch.at("loss").get<double>());
  }
  return line_plot({"Training loss", "epoch", "mean minibatch loss", xs, ys, -1});
}

void release_rows(Interactions& data) {
  std::vector<int64_t>().swap(data.user_ids);
  std::vector<int64_t>().swap(data.item_ids);
  std::vector<float>().swap(data.ratings);
  std::vector<int64_t>().swap(data.timestamps);
  std::vector<float>().swap(data.weights);
}

// Gives every rank rank 0's model state (its initial parameters, or the checkpoint it resumed
// from), so the replicas start identical without needing rank 0's files.
void share_model_state(Model& model, Replicas& replicas) {
  std::string bytes;
  if (replicas.rank() == 0) {
    torch::serialize::OutputArchive archive;
    model.save_state(archive);
    std::ostringstream out;
    archive.save_to(out);
    bytes = out.str();
  }
  bytes = replicas.broadcast(bytes);
  if (replicas.rank() != 0) {
    torch::serialize::InputArchive archive;
    archive.load_from(bytes.data(), bytes.size());
    model.load_state(archive);
  }
}

}  // namespace

nlohmann::json load_experiment(const RunOptions& options) {
  nlohmann::json experiment = read_experiment_file(options.experiment_file);
  for (const auto& assignment : options.overrides) apply_override(experiment, assignment);
  return experiment;
}

RunReport run_experiment(const RunOptions& options, const Registry& registry, std::ostream& progress) {
  return run_loaded_experiment(load_experiment(options), options.experiment_file.stem().string(), options.output_dir,
                               options.resume, registry, progress, options.progress_bar, options.distributed);
}

RunReport run_loaded_experiment(const nlohmann::json& experiment, const std::string& default_name,
                                const std::filesystem::path& output_dir, bool resume, const Registry& registry,
                                std::ostream& all_progress, bool progress_bar,
                                const DistributedOptions& distributed) {
  nlohmann::json resolved = validate_experiment(experiment);
  const bool leader = distributed.rank == 0;
  // Only rank 0 speaks; the others train silently.
  std::ostream silent(nullptr);
  std::ostream& progress = leader ? all_progress : silent;
  progress_bar = progress_bar && leader;

  RunReport report;
  const std::string name =
      resolved.value("name", nlohmann::json()).is_string() ? resolved.at("name").get<std::string>() : default_name;
  report.output_dir = output_dir.empty() ? std::filesystem::path("runs") / name : output_dir;

  const auto threads = resolved.at("threads").get<int64_t>();
  // Automatic: train on one thread (minibatches of Spotlight's sizes are too small to split:
  // two threads were 1.3-1.7x slower for every model on a 2-core machine), evaluate on all.
  set_compute_threads(threads == 0 ? 1 : threads);
  keep_freed_memory();

  auto started = Clock::now();
  LoadedInteractions loaded = load_experiment_data(resolved);
  const Interactions& interactions = loaded.interactions;
  if (loaded.skipped_lines > 0) progress << "data: skipped " << loaded.skipped_lines << " malformed lines\n";
  const TrainTestSplit split = split_as_configured(interactions, resolved.at("split"));
  if (split.test.size() == 0 || split.train.size() == 0) {
    throw DataError(std::string("split: the ") + (split.test.size() == 0 ? "test" : "training") +
                    " set is empty; use more data or another split.test_fraction");
  }
  // The split holds its own rows; only the counts and id maps of the whole dataset are used
  // from here on, so its columns go (at 100M interactions they are 2.8 GB).
  release_rows(loaded.interactions);
  progress << "data: " << interactions.num_users << " users, " << interactions.num_items << " items, "
           << split.train.size() << " train / " << split.test.size() << " test interactions ("
           << format("%.2f", seconds_since(started)) << " s)\n";

  AssembledModel assembled = assemble_model(experiment, registry, interactions.num_users, interactions.num_items);
  resolved = assembled.resolved;
  // While training, a checkpoint after every epoch goes to DIR/partial (never over the
  // outputs of an earlier finished run); --resume continues from it.
  const auto partial = report.output_dir / "partial";
  nlohmann::json epochs = nlohmann::json::array();
  if (resume && leader) {
    if (!std::filesystem::exists(partial / "checkpoint.json")) {
      throw Error("--resume: " + report.output_dir.string() + " holds no interrupted run (no partial/checkpoint.json)" +
                  (std::filesystem::exists(report.output_dir / "checkpoint.json") ? "; the run there finished" : ""));
    }
    LoadedCheckpoint saved = load_checkpoint(partial, registry);
    const std::string differs = first_difference(saved.metadata.at("experiment"), resolved, "");
    if (!differs.empty()) {
      throw Error("--resume: the experiment differs from the interrupted run's at " + differs +
                  "; resume with the same experiment and --set values, or use another --output");
    }
    if (saved.assembled.model->num_users() != interactions.num_users ||
        saved.assembled.model->num_items() != interactions.num_items) {
      throw DataError("--resume: the dataset changed since the interrupted run");
    }
    assembled = std::move(saved.assembled);
    epochs = saved.metadata.value("history", nlohmann::json::array());
    progress << "resuming after epoch " << assembled.model->epochs_done() << "\n";
  }
  auto& model = assembled.model;
  if (distributed.distributed()) {
    const auto replicas = Replicas::connect(distributed);
    share_model_state(*model, *replicas);
    model->train_together(replicas);
    progress << "distributed: " << distributed.world_size << " processes, each training on its shard\n";
  }

  int64_t examples = 0;
  double fit_seconds = 0.0;
  for (const auto& epoch : epochs) {
    examples += epoch.value("examples", int64_t{0});
    fit_seconds += epoch.value("seconds", 0.0);
  }
  const int64_t n_iter = resolved.at("model").at("n_iter").get<int64_t>();
  const int64_t remaining = n_iter - model->epochs_done();
  if (progress_bar) {
    // Redrawn in place at most ten times a second; the epoch line replaces it.
    // The callback outlives this block: its own clocks are captured by value.
    model->on_batch([&, epoch_started = Clock::now(), last_drawn = Clock::now() - std::chrono::seconds(1)](
                        int64_t done, int64_t total, double loss) mutable {
      if (done == 1) epoch_started = Clock::now();
      if (done < total && Clock::now() - last_drawn < std::chrono::milliseconds(100)) return;
      last_drawn = Clock::now();
      progress << "\r" << progress_line(model->epochs_done() + 1, n_iter, done, total, loss,
                                        seconds_since(epoch_started))
               << std::flush;
    });
  }
  if (remaining > 0) {
    model->fit(
        split.train,
        [&](const EpochReport& epoch) {
          const double rate = epoch.seconds > 0 ? static_cast<double>(epoch.examples) / epoch.seconds : 0.0;
          if (progress_bar) progress << "\r\033[K";
          progress << "epoch " << epoch.epoch << "/" << epoch.n_iter << "  loss " << format("%.4f", epoch.loss)
                   << "  " << format("%.2f", epoch.seconds) << " s  " << format("%.0f", rate) << " interactions/s\n";
          progress.flush();
          epochs.push_back({{"epoch", epoch.epoch},
                            {"loss", epoch.loss},
                            {"seconds", epoch.seconds},
                            {"examples", epoch.examples}});
          examples += epoch.examples;
          fit_seconds += epoch.seconds;
          if (!leader) return;
          save_checkpoint(partial, assembled, interactions.users, interactions.items, epochs,
                          "model-epoch-" + std::to_string(epoch.epoch) + ".pt");
        },
        remaining);
  }

  if (!leader) return report;

  const auto evaluation_started = Clock::now();
  if (threads == 0) set_compute_threads(0);
  const nlohmann::json metrics = evaluate_model(*model, assembled.evaluators, split);
  const double evaluation_seconds = seconds_since(evaluation_started);

  progress << "\n";
  print_metrics(progress, metrics);

  report.metrics = {{"metrics", metrics},
                    {"epochs", epochs},
                    {"fit_seconds", fit_seconds},
                    {"interactions_per_second", fit_seconds > 0 ? static_cast<double>(examples) / fit_seconds : 0.0},
                    {"evaluation_seconds", evaluation_seconds},
                    {"data",
                     {{"num_users", interactions.num_users},
                      {"num_items", interactions.num_items},
                      {"train_interactions", split.train.size()},
                      {"test_interactions", split.test.size()}}}};
  report.experiment = resolved;
  save_checkpoint(report.output_dir, assembled, interactions.users, interactions.items, epochs);
  write_file_atomically(report.output_dir / "experiment.json", resolved.dump(2) + "\n");
  write_file_atomically(report.output_dir / "metrics.json", report.metrics.dump(2) + "\n");
  write_file_atomically(report.output_dir / "loss.svg", epoch_loss_plot(epochs));
  std::filesystem::remove_all(partial);
  progress << "wrote " << report.output_dir.string()
           << "/{metrics.json, experiment.json, checkpoint.json, model.pt, loss.svg}\n";
  return report;
}

}  // namespace spotlight
