#pragma once

#include <torch/nn/module.h>
#include <torch/types.h>

#include "spotlight/sdk/component.h"
#include "spotlight/sdk/export.h"
#include "spotlight/sdk/user_input.h"

namespace spotlight {

// The states of a batch of sequences: per_step[:, t] is the user before item t was seen
// (so it predicts item t), final is the user after the whole sequence (it predicts the next).
struct SequenceStates {
  torch::Tensor per_step;  // (batch, length, state)
  torch::Tensor final;     // (batch, state)
};

// Turns users into states and scores items for states. A state is opaque to the host: it
// only passes states back to score() and score_all(), so a representation can put whatever
// it needs in it (a user bias next to the user vector, several taste vectors, ...).
class SPOTLIGHT_SDK_API Representation : public Component, public torch::nn::Module {
 public:
  ~Representation() override;
  static constexpr ComponentKind component_kind = ComponentKind::representation;
  ComponentKind kind() const final { return component_kind; }

  virtual UserInput user_input() const = 0;
  // Factorization family: (batch) user ids -> (batch, state).
  virtual torch::Tensor encode_users(const torch::Tensor& user_ids);
  // Sequence family: (batch, length) item ids -> states; see SequenceStates.
  virtual SequenceStates encode_sequences(const torch::Tensor& item_sequences);

  // Scores of `item_ids` (shape S) for `states` (shape S' x state, S' broadcastable to S):
  // (batch) x (batch), (1, batch) x (n, batch), (batch, length) x (n, batch, length), ...
  virtual torch::Tensor score(const torch::Tensor& states, const torch::Tensor& item_ids) = 0;
  // Scores of every item for each state: (batch, state) -> (batch, num_items). Drives
  // evaluation and recommendation, so implement it as one matrix product, not a loop.
  virtual torch::Tensor score_all(const torch::Tensor& states) = 0;

  // True when encode_sequences, encode_users and score may run on several threads at once
  // (they read the parameters and write nothing of the component's own) and every random
  // draw they make goes through spotlight::nn::dropout. The host then trains the parts of a
  // minibatch on one thread each, with one-thread products, and sums their gradients in a
  // fixed order. False (the default) keeps every step on one thread.
  virtual bool encodes_concurrently() const { return false; }
};

}  // namespace spotlight
