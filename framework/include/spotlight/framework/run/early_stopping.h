#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "spotlight/framework/data/split.h"
#include "spotlight/framework/training/model.h"
#include "spotlight/sdk/evaluator.h"

namespace spotlight {

// The experiment's `validation` section at work: part of the training set held out, the
// watched metric after every epoch, training stopped after `patience` epochs without
// improvement, and the best epoch's parameters kept.
//
// Every rank of a distributed run holds the same model after each epoch (the gradients are
// averaged) and the same held-out set (split by seed), so each rank reaches the same decision
// by itself, and they stop together without exchanging a message.

// The training interactions split once more, as the test set was split (same split.type,
// seeded split.seed + 1, so that a user-based split does not pick the users it already
// took): `train` is what the model trains on, `test` what it is validated on.
TrainTestSplit hold_out_validation(const Interactions& train, const nlohmann::json& split,
                                   const nlohmann::json& validation);

class EarlyStopping {
 public:
  // `validation`: the resolved section; `best_file`: where the best epoch's parameters are
  // kept between processes (a resumed run reads them back), empty for none.
  EarlyStopping(const nlohmann::json& validation, std::shared_ptr<Evaluator> evaluator,
                std::filesystem::path best_file);

  // Picks up a resumed run: the epochs' records (with their "validation" values) and the
  // best epoch's parameters saved beside the checkpoint.
  void resume(const nlohmann::json& epochs);
  // Validates the model after an epoch; returns the watched metric's value and remembers the
  // model's state when it is the best so far. Its blocks are scored on `threads` workers (0: one
  // per core), as evaluate_model does.
  double observe(Model& model, const TrainTestSplit& held_out, int64_t epoch, int64_t threads);
  // Whether the last `patience` epochs brought no improvement.
  bool should_stop(int64_t epoch) const { return best_epoch_ > 0 && epoch - best_epoch_ >= patience_; }
  // Puts the best epoch's parameters back into `model` (a no-op when the last epoch was best).
  void restore_best(Model& model) const;

  const std::string& metric() const { return metric_; }
  int64_t best_epoch() const { return best_epoch_; }
  double best_value() const { return best_; }
  // {"metric", "direction", "patience", "best_epoch", "best", "stopped_early"} for metrics.json.
  nlohmann::json summary(int64_t epochs_trained, int64_t n_iter) const;

 private:
  bool improves(double value) const { return best_epoch_ == 0 || (maximize_ ? value > best_ : value < best_); }

  std::shared_ptr<Evaluator> evaluator_;
  std::string metric_;  // empty until the first evaluation when not configured
  bool maximize_ = true;
  int64_t patience_ = 1;
  std::filesystem::path best_file_;
  double best_ = 0.0;
  int64_t best_epoch_ = 0;
  int64_t last_epoch_ = 0;
  std::string best_state_;  // the best epoch's serialized model state
};

}  // namespace spotlight
