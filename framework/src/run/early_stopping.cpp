#include "spotlight/framework/run/early_stopping.h"

#include <sstream>

#include <torch/serialize.h>

#include "spotlight/framework/data/bounded_file.h"
#include "spotlight/framework/run/atomic_file.h"
#include "spotlight/framework/run/evaluation.h"
#include "spotlight/sdk/errors.h"

namespace spotlight {

TrainTestSplit hold_out_validation(const Interactions& train, const nlohmann::json& split,
                                   const nlohmann::json& validation) {
  nlohmann::json held_out = split;
  held_out["test_fraction"] = validation.at("fraction");
  held_out["seed"] = split.at("seed").get<uint64_t>() + 1;
  TrainTestSplit parts = split_as_configured(train, held_out);
  if (parts.train.size() == 0 || parts.test.size() == 0) {
    throw DataError(std::string("validation: the ") + (parts.test.size() == 0 ? "held-out" : "remaining training") +
                    " set is empty; use more data or another validation.fraction");
  }
  return parts;
}

EarlyStopping::EarlyStopping(const nlohmann::json& validation, std::shared_ptr<Evaluator> evaluator,
                             std::filesystem::path best_file)
    : evaluator_(std::move(evaluator)),
      metric_(validation.contains("metric") && validation.at("metric").is_string()
                  ? validation.at("metric").get<std::string>()
                  : ""),
      maximize_(validation.at("direction") == "maximize"),
      patience_(validation.at("patience").get<int64_t>()),
      best_file_(std::move(best_file)) {}

void EarlyStopping::resume(const nlohmann::json& epochs) {
  for (const auto& record : epochs) {
    if (!record.contains("validation") || !record.at("validation").is_number()) continue;
    const double value = record.at("validation").get<double>();
    const int64_t epoch = record.at("epoch").get<int64_t>();
    if (improves(value)) {
      best_ = value;
      best_epoch_ = epoch;
    }
    last_epoch_ = epoch;
  }
  if (best_epoch_ == 0 || best_epoch_ == last_epoch_ || best_file_.empty()) return;
  // The interrupted run's best parameters, saved when that epoch ended.
  best_state_ = read_bounded_file(best_file_, "the best epoch's parameter file", 64ull << 30);
}

double EarlyStopping::observe(Model& model, const TrainTestSplit& held_out, int64_t epoch, int64_t threads) {
  const nlohmann::json metrics = evaluate_model(model, {evaluator_}, held_out, threads);
  if (metric_.empty()) {
    if (metrics.size() != 1) {
      std::string names;
      for (const auto& [name, value] : metrics.items()) names += (names.empty() ? "" : ", ") + name;
      throw ConfigError("validation.metric", "missing; the evaluator reports several metrics (" + names +
                                                 "): name the one to watch");
    }
    metric_ = metrics.begin().key();
  }
  if (!metrics.contains(metric_)) {
    std::string names;
    for (const auto& [name, value] : metrics.items()) names += (names.empty() ? "" : ", ") + name;
    throw ConfigError("validation.metric", "the evaluator reports no \"" + metric_ + "\" (it reports: " + names + ")");
  }
  const double value = metrics.at(metric_).get<double>();
  last_epoch_ = epoch;
  if (improves(value)) {
    best_ = value;
    best_epoch_ = epoch;
    torch::serialize::OutputArchive archive;
    model.save_state(archive);
    std::ostringstream bytes;
    archive.save_to(bytes);
    best_state_ = bytes.str();
    if (!best_file_.empty()) {
      std::filesystem::create_directories(best_file_.parent_path());
      write_file_atomically(best_file_, best_state_);
    }
  }
  return value;
}

void EarlyStopping::restore_best(Model& model) const {
  if (best_epoch_ == 0 || best_epoch_ == last_epoch_ || best_state_.empty()) return;
  torch::serialize::InputArchive archive;
  archive.load_from(best_state_.data(), best_state_.size());
  model.load_state(archive);
}

nlohmann::json EarlyStopping::summary(int64_t epochs_trained, int64_t n_iter) const {
  return {{"metric", metric_},
          {"direction", maximize_ ? "maximize" : "minimize"},
          {"patience", patience_},
          {"best_epoch", best_epoch_},
          {"best", best_},
          {"epochs_trained", epochs_trained},
          {"stopped_early", epochs_trained < n_iter}};
}

}  // namespace spotlight
