#pragma once

#include "spotlight/framework/training/all_item_loss.h"
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
  // A minibatch's sampled negatives, (samples, batch, length), and the log of each one's
  // probability when the loss reads it (else undefined).
  struct Negatives {
    torch::Tensor items;
    torch::Tensor log_q;
  };
  Negatives draw_negatives(const torch::Tensor& sequences);
  // The scalar loss of sequences (batch, length) against their negatives; `weights` (batch,
  // length) is undefined when the data has none.
  torch::Tensor minibatch_loss(const torch::Tensor& sequences, const Negatives& negatives,
                               const torch::Tensor& weights);
  // One optimizer step of a minibatch trained in `parts` parts of consecutive sequences on a
  // thread each. The negatives are drawn for the whole minibatch first, and each part's loss
  // is weighted by its share of the minibatch's (weighted) real steps, so the sum is the
  // minibatch's loss (every loss reduces to a weighted mean over the real steps). A loss
  // over the whole catalogue divides each part's terms by the minibatch's normaliser.
  double step_in_parts(const torch::Tensor& sequences, const torch::Tensor& weights, int64_t parts);
  // The real steps of sequences (batch, length) for a loss over the whole catalogue: their
  // states (through the encoder's graph), targets and weights.
  AllItemRows all_item_rows(const torch::Tensor& sequences, const torch::Tensor& weights);
  // One optimizer step of a loss over the whole catalogue (Loss::needs_all_item_scores), the
  // real steps' scores computed in bounded chunks; returns the loss.
  double all_item_step(const torch::Tensor& sequences, const torch::Tensor& weights);
};

}  // namespace spotlight
