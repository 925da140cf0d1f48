#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <torch/optim/optimizer.h>

#include "spotlight/framework/training/model.h"
#include "spotlight/framework/distributed/replicas.h"
#include "spotlight/sdk/random.h"

namespace spotlight {

// What every model in the host shares around its own training loop: the components and
// options, the device, the seeded random stream, the optimizer (created on the first fit and
// kept, so fit() called again resumes), the epoch count and loss checks, and checkpoints of
// all of it.
class ModelBase : public Model {
 public:
  int64_t num_users() const override { return num_users_; }
  int64_t num_items() const override { return num_items_; }
  void save_state(torch::serialize::OutputArchive& archive) const override;
  void load_state(torch::serialize::InputArchive& archive) override;
  int64_t epochs_done() const override { return epochs_done_; }
  void stop_after_this_epoch() override { stop_requested_ = true; }
  void train_together(std::shared_ptr<Replicas> replicas) override { replicas_ = std::move(replicas); }
  Representation& representation() override { return *parts_.representation; }

 protected:
  using Clock = std::chrono::steady_clock;

  ModelBase(std::string type, ModelParts parts, TrainingOptions options, int64_t num_users, int64_t num_items);

  // Before the first epoch of a fit: checks the data fits the model, creates the optimizer
  // and shows the sampler the training interactions (once per model).
  void prepare_training(const Interactions& train);
  // Backpropagates `loss`, averages the gradients over the replicas (when training
  // together), applies one optimizer step and returns the loss value.
  double optimize(const torch::Tensor& loss);
  // The same step for gradients a representation sets by hand (HandGradientRepresentation):
  // `set_gradients` replaces every parameter's gradient, then averaging and the step are
  // optimize()'s; returns `loss`.
  double optimize_by_hand(double loss, const std::function<void()>& set_gradients);
  // The same step for gradients built up by several backward passes (a loss over the whole
  // catalogue, differentiated chunk by chunk): clears the gradients, calls `accumulate`,
  // which runs the passes and returns the loss, then averages and steps as optimize() does.
  double optimize_accumulated(const std::function<double()>& accumulate);
  // The same step for a loss that is the sum of `parts` terms, each computed and
  // differentiated on a thread of its own. `part_step(p, trained)` returns term p's value and
  // its gradients, one per tensor of `trained` (the parameters that require gradients; none
  // when the part has nothing to train on): differentiate() makes them from a loss tensor. The
  // parts' gradients are added in part order and each part draws its dropout seeds from a
  // stream of its own, so the step is the same whichever thread finishes first. Returns the
  // summed loss.
  struct PartStep {
    double loss = 0.0;
    std::vector<torch::Tensor> gradients;
  };
  using PartStepFunction = std::function<PartStep(int64_t part, const std::vector<torch::Tensor>& trained)>;
  double optimize_in_parts(int64_t parts, const PartStepFunction& part_step);
  // `loss` and its gradients of `trained` (an undefined loss: an empty step).
  static PartStep differentiate(const torch::Tensor& loss, const std::vector<torch::Tensor>& trained);
  // How many parts a minibatch of `size` examples trains in: options.threads (0: one per
  // core alone, one with replicas) when the representation encodes_concurrently(), else 1;
  // never more than `size`.
  int64_t minibatch_parts(int64_t size) const;
  // The training loop every model shares: `epochs` epochs (model.n_iter when negative) over
  // `count` examples. Each epoch draws a fresh order (epoch_order: it depends only on the
  // random state, so a resumed run continues exactly), cuts it into this process's
  // minibatches, and calls `step` with each minibatch's example indices; `step` trains on them
  // and returns their loss. `examples` is what an epoch reports having trained on.
  using MinibatchStep = std::function<double(const int64_t* indices, int64_t size)>;
  void train_epochs(int64_t count, int64_t examples, int64_t epochs, const EpochCallback& on_epoch,
                    const MinibatchStep& step);
  // Switches the representation to evaluation mode once: scoring from many threads at once
  // then only reads the mode flag (fit switches back to training mode).
  void enter_evaluation_mode();
  // The examples (indices into 0..size-1) this process trains on in the next epoch, in a
  // fresh random order drawn from the model's stream, so a resumed run draws the same
  // permutations. Alone, that is a permutation of all of them. Training together, each rank
  // takes its shard (every world_size-th example), shuffled with a stream of its own derived
  // from the shared one, and wraps around to the length of the largest shard so that every
  // rank takes the same number of steps.
  std::vector<int64_t> epoch_order(int64_t size);
  // The minibatch size of this process: model.batch_size, split over the ranks.
  int64_t local_batch_size() const;
  // The random stream for this epoch's negatives: the model's own, or this rank's.
  Random& stream() { return replicas_ ? rank_random_ : random_; }
  // Throws DataError when an id is outside the model's users or items (undefined tensors pass).
  void check_ids(const torch::Tensor& user_ids, const torch::Tensor& item_ids) const;
  // Throws DataError for a negative interaction weight (weights are optional; a weighted
  // loss divides by their sum).
  static void check_weights(const Interactions& train, const std::string& type);

  std::string type_;
  ModelParts parts_;
  TrainingOptions options_;
  int64_t num_users_;
  int64_t num_items_;
  torch::Device device_;
  Random random_;

 private:
  // Counts the epoch, stops with an Error on a NaN or zero mean loss (as Spotlight does) and
  // reports it.
  void finish_epoch(double total_loss, int64_t batches, Clock::time_point started, int64_t examples,
                    const EpochCallback& on_epoch);
  void create_optimizer();
  // Before a step's backward pass, what the optimizer's zero_grad would do, without writing
  // zeros: each dense gradient is dropped, so the backward pass stores its first gradient
  // instead of adding it to a tensor of zeros (a pass over every parameter and its gradient).
  // apply_gradients gives zeros to those of them the step left without one, so the optimizer
  // sees what zero_grad would have left. Sparse gradients are zeroed, as zero_grad does.
  void release_gradients();
  // Gives zeros to the gradients release_gradients dropped and the step did not set, checks
  // the first step's gradients fit the optimizer, averages the gradients over the
  // replicas (when training together) and steps.
  void apply_gradients();
  // Sparse gradients (an embedding with "sparse": true) need an optimizer that takes them
  // (Optimizer::takes_sparse_gradients).
  void check_gradients_fit_optimizer() const;

  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  std::shared_ptr<Replicas> replicas_;  // null when training alone
  Random rank_random_;
  std::mutex mode_mutex_;
  bool sampler_prepared_ = false;
  bool gradients_checked_ = false;
  std::vector<torch::Tensor> released_;  // the parameters whose gradients release_gradients dropped
  int64_t epochs_done_ = 0;
  bool stop_requested_ = false;
};

}  // namespace spotlight
