#pragma once

#include "src/training/models/model_base.h"

namespace spotlight {

// Spotlight's ImplicitSequenceModel. Each user's interactions, in time order, are cut into
// left-padded windows (to_sequence with the experiment's `sequence` options); one pass of the
// representation gives the state before every step, and the loss compares each step's real
// next item with sampled negatives, padding steps masked out. The sequences are shuffled
// every epoch.
class ImplicitSequenceModel : public ModelBase {
 public:
  ImplicitSequenceModel(ModelParts parts, TrainingOptions options, int64_t num_users, int64_t num_items);

  void fit(const Interactions& train, const EpochCallback& on_epoch, int64_t epochs = -1) override;

  UserInput user_input() const override { return UserInput::item_history; }
  torch::Tensor score_users(const torch::Tensor& user_ids) override;
  // Scores every item as the next one after each history, from the state after its last
  // item. Item 0 is the padding id, not an item: it gets the lowest score.
  torch::Tensor score_sequences(const torch::Tensor& item_sequences) override;
  torch::Tensor score_pairs(const torch::Tensor& user_ids, const torch::Tensor& item_ids) override;
  const SequenceOptions* sequence_options() const override { return &options_.sequence; }

 private:
  // The scalar loss of one minibatch of sequences (batch, length) against sampled negatives;
  // `weights` (batch, length) is undefined when the data has none.
  torch::Tensor minibatch_loss(const torch::Tensor& sequences, const torch::Tensor& weights);
  // One optimizer step of a loss over the whole catalogue (Loss::needs_all_item_scores), the
  // real steps' scores computed in bounded chunks; returns the loss.
  double all_item_step(const torch::Tensor& sequences, const torch::Tensor& weights);
};

}  // namespace spotlight
