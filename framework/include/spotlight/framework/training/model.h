#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <torch/serialize/archive.h>
#include <torch/types.h>

#include "spotlight/framework/data/interactions.h"
#include "spotlight/framework/distributed/replicas.h"
#include "spotlight/framework/data/sequences.h"
#include "spotlight/sdk/evaluator.h"
#include "spotlight/sdk/loss.h"
#include "spotlight/sdk/optimizer.h"
#include "spotlight/sdk/representation.h"
#include "spotlight/sdk/sampler.h"

namespace spotlight {

struct TrainingOptions {
  int64_t n_iter = 10;
  int64_t batch_size = 256;
  uint64_t seed = 42;
  std::string device = "cpu";
  bool hand_gradients = true;  // let parts that differentiate by hand skip autograd
  // The experiment's `threads`. A representation that encodes_concurrently() trains each
  // minibatch in that many parts at once (0: one per core, or one per process when training
  // together with other processes).
  int64_t threads = 0;
  SequenceOptions sequence;  // how interactions become sequences (sequence models only)
};

// The components a model trains, built from the experiment's graph.
struct ModelParts {
  std::shared_ptr<Representation> representation;
  std::shared_ptr<Loss> loss;
  std::shared_ptr<Sampler> sampler;  // null when the model type samples no negatives
  std::shared_ptr<Optimizer> optimizer;  // makes the optimizer of the representation's parameters
  std::string optimizer_name;            // its plugin's name, for messages
  std::string loss_name;                 // the loss's and the sampler's plugin names, for messages
  std::string sampler_name;
};

struct EpochReport {
  int64_t epoch = 0;      // 1-based, counting across repeated fit() calls and resumed runs
  int64_t n_iter = 0;     // the configured model.n_iter
  double loss = 0.0;      // mean minibatch loss
  double seconds = 0.0;
  int64_t examples = 0;   // interactions (or non-padding steps) trained on
};
using EpochCallback = std::function<void(const EpochReport&)>;
// After every minibatch: minibatches done in this epoch, their number, their mean loss so far.
using BatchCallback = std::function<void(int64_t done, int64_t total, double mean_loss)>;

// A trainable model. fit() called again resumes training (optimizer state included).
class Model : public Scorer {
 public:
  ~Model() override = default;
  // Trains `epochs` more epochs (model.n_iter when negative).
  virtual void fit(const Interactions& train, const EpochCallback& on_epoch, int64_t epochs = -1) = 0;
  // Everything training needs to continue: parameters, optimizer state, random state,
  // epochs done. load_state() throws Error when the archive does not fit this model.
  virtual void save_state(torch::serialize::OutputArchive& archive) const = 0;
  virtual void load_state(torch::serialize::InputArchive& archive) = 0;
  virtual int64_t epochs_done() const = 0;
  // Called from an epoch callback: fit() returns after this epoch instead of training the
  // rest (early stopping). The next fit() trains again.
  virtual void stop_after_this_epoch() = 0;
  // From now on fit() trains this rank's shard and keeps the model identical to the other
  // ranks' copies (gradients averaged over them every step). Every rank must have the same
  // state when fit() starts.
  virtual void train_together(std::shared_ptr<Replicas> replicas) = 0;
  // How this model cuts interactions into sequences, or null when it reads no sequences.
  // Evaluation cuts the test interactions the same way.
  virtual const SequenceOptions* sequence_options() const { return nullptr; }
  // The trained representation, for capabilities the host looks up after training (item
  // vectors for similar items, tables to export).
  virtual Representation& representation() = 0;

  // Called after every minibatch while training (for a progress bar); none by default.
  void on_batch(BatchCallback callback) { on_batch_ = std::move(callback); }

 protected:
  void report_batch(int64_t done, int64_t total, double mean_loss) const {
    if (on_batch_) on_batch_(done, total, mean_loss);
  }

 private:
  BatchCallback on_batch_;
};

// Builds the model `type` names, after checking that the parts fit it (a representation of
// the right family, a loss for the right feedback, a sampler when negatives are needed, an
// optimizer).
std::unique_ptr<Model> make_model(const std::string& type, ModelParts parts, const TrainingOptions& options,
                                  int64_t num_users, int64_t num_items);

}  // namespace spotlight
