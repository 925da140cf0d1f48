#include "spotlight/framework/run/runner.h"

#include <optional>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <sstream>

#include <ATen/Parallel.h>
#include <torch/utils.h>

#include "spotlight/framework/config/assembly.h"
#include "spotlight/framework/run/atomic_file.h"
#include "spotlight/framework/run/checkpoint.h"
#include "spotlight/framework/config/experiment_data.h"
#include "spotlight/framework/run/early_stopping.h"
#include "spotlight/framework/run/evaluation.h"
#include "spotlight/framework/run/output_folder.h"
#include "spotlight/framework/config/experiment.h"
#include "spotlight/framework/training/model.h"
#include "spotlight/framework/distributed/replicas.h"
#include "spotlight/framework/training/huge_pages.h"
#include "spotlight/framework/training/runtime.h"
#include "spotlight/framework/data/memory_budget.h"
#include "spotlight/framework/data/split.h"
#include "spotlight/framework/run/svg_plot.h"
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

// The watched metric per epoch, the kept epoch drawn larger.
std::string validation_plot(const nlohmann::json& epochs, const EarlyStopping& early_stopping) {
  LinePlot plot{"Validation " + early_stopping.metric(), "epoch", early_stopping.metric(), {}, {}, -1};
  for (const auto& epoch : epochs) {
    if (!epoch.contains("validation")) continue;
    if (epoch.at("epoch").get<int64_t>() == early_stopping.best_epoch()) plot.highlighted = static_cast<int>(plot.xs.size());
    plot.xs.push_back(epoch.at("epoch").get<double>());
    plot.ys.push_back(epoch.at("validation").get<double>());
  }
  return line_plot(plot);
}

// Whether the interactions name more than one item: with one, every negative is the
// positive and every ranking is the same, so training would report numbers that mean nothing.
bool names_two_items(const Interactions& data) {
  for (int64_t item : data.item_ids) {
    if (item != data.item_ids.front()) return true;
  }
  return false;
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

nlohmann::json load_experiment(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
  nlohmann::json experiment = read_experiment_file(file);
  for (const auto& assignment : overrides) apply_override(experiment, assignment);
  return experiment;
}

std::filesystem::path run_output_dir(const nlohmann::json& experiment, const std::string& default_name,
                                     const std::filesystem::path& output_dir) {
  const auto found = experiment.is_object() ? experiment.find("name") : experiment.end();
  const bool named = experiment.is_object() && found != experiment.end() && found->is_string();
  const std::string name = named ? found->get<std::string>() : default_name;
  if (named) {
    const bool control = std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos || control) {
      throw ConfigError("name", "expected a plain name for the run's folder (no \"/\", not \".\" or \"..\", no control "
                                "characters), got " + nlohmann::json(name).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace));
    }
  }
  return output_dir.empty() ? std::filesystem::path("runs") / name : output_dir;
}

namespace {

// The run as validated: the resolved experiment, where its outputs go, who speaks.
struct RunPlan {
  nlohmann::json resolved;
  std::filesystem::path output_dir;
  std::filesystem::path partial;  // DIR/partial: the checkpoint after each epoch while training
  bool leader = true;             // rank 0: prints, checkpoints, evaluates, writes
  int64_t threads = 0;
};

RunPlan plan_run(const nlohmann::json& experiment, const RunOptions& options) {
  RunPlan plan;
  plan.resolved = validate_experiment(experiment);
  plan.leader = options.distributed.rank == 0;
  plan.output_dir = run_output_dir(plan.resolved, options.default_name, options.output_dir);
  // While training, a checkpoint after every epoch goes to DIR/partial (never over the
  // outputs of an earlier finished run); --resume continues from it.
  plan.partial = plan.output_dir / "partial";
  plan.threads = plan.resolved.at("threads").get<int64_t>();
  // Far more threads than cores only slows every step down (each parallel region starts them
  // all): it is a typo, not a setting.
  const int64_t cores = core_count();
  if (plan.threads > 4 * cores) {
    throw ConfigError("threads", std::to_string(plan.threads) + " is more than 4 per core on this machine (" +
                                     std::to_string(cores) + " cores); 0 chooses automatically");
  }
  return plan;
}

struct RunData {
  Interactions dataset;  // counts and id maps only: the rows live in the split
  TrainTestSplit split;
  // With a validation section: split.train cut once more, into what the model trains on and
  // what it is validated on. split.train stays whole (items seen there are excluded in tests).
  std::optional<TrainTestSplit> validation;

  const Interactions& training_set() const { return validation ? validation->train : split.train; }
};

RunData load_run_data(const RunPlan& plan, std::ostream& progress) {
  const auto started = Clock::now();
  LoadedInteractions loaded = load_experiment_data(plan.resolved);
  if (loaded.skipped_lines > 0) progress << "data: skipped " << loaded.skipped_lines << " malformed lines\n";
  // Per-user indexes (histories, the split's groups, evaluation rows) are sized by the count.
  require_memory("the per-user indexes of " + std::to_string(loaded.interactions.num_users) + " users",
                 {static_cast<uint64_t>(loaded.interactions.num_users) + 1, 4 * sizeof(int64_t)});
  if (!names_two_items(loaded.interactions)) {
    throw DataError("dataset: every interaction is with the same item; ranking needs a catalogue of at least two");
  }
  RunData data;
  // Only the counts and id maps of the whole dataset are used from here on; its rows move
  // into the split.
  data.dataset.num_users = loaded.interactions.num_users;
  data.dataset.num_items = loaded.interactions.num_items;
  data.dataset.users = loaded.interactions.users;
  data.dataset.items = loaded.interactions.items;
  data.split = split_as_configured(std::move(loaded.interactions), plan.resolved.at("split"));
  if (data.split.test.size() == 0 || data.split.train.size() == 0) {
    throw DataError(std::string("split: the ") + (data.split.test.size() == 0 ? "test" : "training") +
                    " set is empty; use more data or another split.test_fraction");
  }
  progress << "data: " << data.dataset.num_users << " users, " << data.dataset.num_items << " items, "
           << data.split.train.size() << " train / " << data.split.test.size() << " test interactions ("
           << format("%.2f", seconds_since(started)) << " s)\n";
  if (plan.resolved.contains("validation")) {
    data.validation = hold_out_validation(data.split.train, plan.resolved.at("split"), plan.resolved.at("validation"));
    progress << "validation: " << data.validation->test.size() << " of the " << data.split.train.size()
             << " training interactions held out\n";
  }
  return data;
}

// The model to train: a new one from the graph, or the interrupted run's when resuming.
// `epochs` receives the history of the epochs already done.
AssembledModel model_for_run(const RunPlan& plan, const RunOptions& options, const RunData& data,
                             const Registry& registry, nlohmann::json& epochs, std::ostream& progress) {
  AssembledModel assembled = assemble_model(plan.resolved, registry, data.dataset.num_users, data.dataset.num_items);
  if (!options.resume || !plan.leader) return assembled;
  if (!std::filesystem::exists(plan.partial / "checkpoint.json")) {
    throw Error("--resume: " + plan.output_dir.string() + " holds no interrupted run (no partial/checkpoint.json)" +
                (std::filesystem::exists(plan.output_dir / "checkpoint.json") ? "; the run there finished" : ""));
  }
  LoadedCheckpoint saved = load_checkpoint(plan.partial, registry);
  // Both resolved by this build: a default a newer plugin version adds (a new option) fills
  // in on both sides, so only what the user set can differ.
  const std::string differs = first_difference(saved.assembled.resolved, assembled.resolved, "");
  if (!differs.empty()) {
    throw Error("--resume: the experiment differs from the interrupted run's at " + differs +
                "; resume with the same experiment and --set values, or use another --output");
  }
  if (saved.assembled.model->num_users() != data.dataset.num_users ||
      saved.assembled.model->num_items() != data.dataset.num_items) {
    throw DataError("--resume: the dataset changed since the interrupted run");
  }
  epochs = saved.metadata.value("history", nlohmann::json::array());
  // One history record per epoch done: anything else is a checkpoint edited or mixed from two runs.
  if (!epochs.is_array() || static_cast<int64_t>(epochs.size()) != saved.assembled.model->epochs_done()) {
    throw Error("--resume: " + (plan.partial / "checkpoint.json").string() + " records " +
                std::to_string(saved.assembled.model->epochs_done()) + " epochs done but a history of " +
                (epochs.is_array() ? std::to_string(epochs.size()) : std::string("no")) +
                " epochs; it was not written by one run, start again without --resume");
  }
  progress << "resuming after epoch " << saved.assembled.model->epochs_done() << "\n";
  return std::move(saved.assembled);
}

// Redraws a bar in place at most ten times a second while an epoch trains; the epoch line replaces it.
void show_progress_bar(Model& model, int64_t n_iter, std::ostream& progress) {
  // The callback outlives this function: its own clocks are captured by value.
  model.on_batch([&model, &progress, n_iter, epoch_started = Clock::now(),
                  last_drawn = Clock::now() - std::chrono::seconds(1)](int64_t done, int64_t total, double loss) mutable {
    if (done == 1) epoch_started = Clock::now();
    if (done < total && Clock::now() - last_drawn < std::chrono::milliseconds(100)) return;
    last_drawn = Clock::now();
    progress << "\r" << progress_line(model.epochs_done() + 1, n_iter, done, total, loss, seconds_since(epoch_started))
             << std::flush;
  });
}

// Trains the epochs left, appending one record per epoch to `epochs` and checkpointing each.
void train_run(const RunPlan& plan, const RunOptions& options, const RunData& data, AssembledModel& assembled,
               nlohmann::json& epochs, EarlyStopping* early_stopping, std::ostream& progress) {
  auto& model = *assembled.model;
  const bool progress_bar = options.progress_bar && plan.leader;
  const int64_t n_iter = plan.resolved.at("model").at("n_iter").get<int64_t>();
  const int64_t remaining = n_iter - model.epochs_done();
  if (progress_bar) show_progress_bar(model, n_iter, progress);
  if (early_stopping) early_stopping->resume(epochs);
  // A resumed run that had already decided to stop (killed before its outputs were written).
  const bool stopped = early_stopping && early_stopping->should_stop(model.epochs_done());
  if (remaining > 0 && !stopped) {
    model.fit(
        data.training_set(),
        [&](const EpochReport& epoch) {
          const double rate = epoch.seconds > 0 ? static_cast<double>(epoch.examples) / epoch.seconds : 0.0;
          if (progress_bar) progress << "\r\033[K";
          progress << "epoch " << epoch.epoch << "/" << epoch.n_iter << "  loss " << format("%.4f", epoch.loss)
                   << "  " << format("%.2f", epoch.seconds) << " s  " << format("%.0f", rate) << " interactions/s";
          nlohmann::json record{
              {"epoch", epoch.epoch}, {"loss", epoch.loss}, {"seconds", epoch.seconds}, {"examples", epoch.examples}};
          if (early_stopping) {
            const double value = early_stopping->observe(model, *data.validation, epoch.epoch, plan.threads);
            record["validation"] = value;
            progress << "  validation " << early_stopping->metric() << " " << format("%.4f", value)
                     << (early_stopping->best_epoch() == epoch.epoch ? " (best)" : "");
            if (early_stopping->should_stop(epoch.epoch)) model.stop_after_this_epoch();
          }
          progress << "\n";
          progress.flush();
          epochs.push_back(record);
          if (!plan.leader) return;
          save_checkpoint(plan.partial, assembled, data.dataset.users, data.dataset.items, epochs,
                          "model-epoch-" + std::to_string(epoch.epoch) + ".pt");
        },
        remaining);
  }
  if (!early_stopping) return;
  if (early_stopping->should_stop(model.epochs_done())) {
    progress << "stopped early: no better " << early_stopping->metric() << " for "
             << model.epochs_done() - early_stopping->best_epoch() << " epochs\n";
  }
  if (early_stopping->best_epoch() != model.epochs_done()) {
    progress << "keeping epoch " << early_stopping->best_epoch() << " (validation " << early_stopping->metric() << " "
             << format("%.4f", early_stopping->best_value()) << ")\n";
  }
  early_stopping->restore_best(model);
}

// Evaluates the trained model and writes the run's outputs.
RunReport finish_run(const RunPlan& plan, const RunData& data, const AssembledModel& assembled,
                     const nlohmann::json& epochs, const EarlyStopping* early_stopping, RunOutputFolder& folder,
                     std::ostream& progress) {
  const auto evaluation_started = Clock::now();
  const nlohmann::json metrics = evaluate_model(*assembled.model, assembled.evaluators, data.split, plan.threads);
  const double evaluation_seconds = seconds_since(evaluation_started);
  progress << "\n";
  print_metrics(progress, metrics);

  int64_t examples = 0;
  double fit_seconds = 0.0;
  for (const auto& epoch : epochs) {
    examples += epoch.value("examples", int64_t{0});
    fit_seconds += epoch.value("seconds", 0.0);
  }
  RunReport report;
  report.output_dir = plan.output_dir;
  report.metrics = {{"metrics", metrics},
                    {"epochs", epochs},
                    {"fit_seconds", fit_seconds},
                    {"interactions_per_second", fit_seconds > 0 ? static_cast<double>(examples) / fit_seconds : 0.0},
                    {"evaluation_seconds", evaluation_seconds},
                    {"data",
                     {{"num_users", data.dataset.num_users},
                      {"num_items", data.dataset.num_items},
                      {"train_interactions", data.split.train.size()},
                      {"test_interactions", data.split.test.size()}}}};
  if (early_stopping) {
    report.metrics["validation"] =
        early_stopping->summary(static_cast<int64_t>(epochs.size()), plan.resolved.at("model").at("n_iter").get<int64_t>());
  }
  report.experiment = assembled.resolved;
  // The whole set goes into the staging folder and replaces the folder's contents (the
  // partial checkpoints and any earlier run's outputs) in one step.
  const auto& staged = folder.stage();
  save_checkpoint(staged, assembled, data.dataset.users, data.dataset.items, epochs);
  write_file_atomically(staged / "experiment.json", report.experiment.dump(2) + "\n");
  write_file_atomically(staged / "metrics.json", report.metrics.dump(2) + "\n");
  write_file_atomically(staged / "loss.svg", epoch_loss_plot(epochs));
  if (early_stopping) write_file_atomically(staged / "validation.svg", validation_plot(epochs, *early_stopping));
  folder.publish();
  progress << "wrote " << report.output_dir.string()
           << "/{metrics.json, experiment.json, checkpoint.json, model.pt, loss.svg" << (early_stopping ? ", validation.svg" : "")
           << "}\n";
  return report;
}

}  // namespace

RunReport run_loaded_experiment(const nlohmann::json& experiment, const RunOptions& options, const Registry& registry,
                                std::ostream& all_progress) {
  const RunPlan plan = plan_run(experiment, options);
  // Rank 0 owns the folder from before the data loads: a second run into it fails at once, and
  // a folder that cannot be written fails before the training, not after it.
  std::optional<RunOutputFolder> folder;
  if (plan.leader) {
    folder.emplace(plan.output_dir);
    folder->stage();
  }
  // Only rank 0 speaks; the others train silently.
  std::ostream silent(nullptr);
  std::ostream& progress = plan.leader ? all_progress : silent;
  // Automatic: products on one thread. Splitting each product of Spotlight's minibatch sizes
  // over two threads was 1.1-2x slower on a 2-core machine; instead sequence models train
  // each minibatch in one part per core (ModelBase::minibatch_parts) and evaluation scores
  // blocks on one worker per core (evaluate_model).
  set_compute_threads(plan.threads == 0 ? 1 : plan.threads);
  keep_freed_memory();
  use_huge_pages_for_large_tensors();

  const RunData data = load_run_data(plan, progress);
  nlohmann::json epochs = nlohmann::json::array();
  AssembledModel assembled = model_for_run(plan, options, data, registry, epochs, progress);
  if (options.distributed.distributed()) {
    const auto replicas = Replicas::connect(options.distributed);
    share_model_state(*assembled.model, *replicas);
    assembled.model->train_together(replicas);
    progress << "distributed: " << options.distributed.world_size << " processes, each training on its shard\n";
  }
  std::optional<EarlyStopping> early_stopping;
  if (data.validation) {
    early_stopping.emplace(plan.resolved.at("validation"), assembled.validation_evaluator,
                           plan.leader ? plan.partial / "best-model.pt" : std::filesystem::path());
  }
  EarlyStopping* watching = early_stopping ? &*early_stopping : nullptr;
  train_run(plan, options, data, assembled, epochs, watching, progress);
  if (!plan.leader) return RunReport{plan.output_dir, {}, {}};
  return finish_run(plan, data, assembled, epochs, watching, *folder, progress);
}

}  // namespace spotlight
