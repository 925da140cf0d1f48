#include "src/training/models/sequence_model.h"

#include <algorithm>
#include <limits>
#include <optional>

#include "spotlight/framework/training/all_item_loss.h"
#include "spotlight/framework/training/minibatch_parts.h"
#include "spotlight/framework/training/runtime.h"
#include "spotlight/sdk/errors.h"

namespace spotlight {

ImplicitSequenceModel::ImplicitSequenceModel(ModelParts parts, TrainingOptions options, int64_t num_users,
                                             int64_t num_items)
    : ModelBase("implicit_sequence", std::move(parts), std::move(options), num_users, num_items) {}

void ImplicitSequenceModel::fit(const Interactions& train, const EpochCallback& on_epoch, int64_t epochs) {
  prepare_training(train);
  check_weights(train, type_);
  const SequenceMatrix sequences = to_sequence(train, options_.sequence);
  const int64_t count = sequences.num_sequences();
  if (count == 0) {
    throw DataError("implicit_sequence: no training sequences; every user has fewer than sequence.min_length (" +
                    std::to_string(options_.sequence.min_length.value_or(1)) + ") training interactions");
  }
  const int64_t length = sequences.length;
  const auto steps = static_cast<int64_t>(
      std::count_if(sequences.item_ids.begin(), sequences.item_ids.end(), [](int64_t item) { return item != 0; }));
  parts_.representation->train();
  // Sized by the sequences there are, not by batch_size: a huge batch_size costs nothing.
  std::vector<int64_t> batch(static_cast<size_t>(std::min(local_batch_size(), count) * length));
  const bool weighted = !sequences.weights.empty();
  std::vector<float> batch_weights(weighted ? batch.size() : 0);
  const bool all_items = parts_.loss->needs_all_item_scores();
  // Minibatches trained in parts run one-thread products on each part's thread.
  std::optional<ComputeThreadsScope> one_thread;
  if (minibatch_parts(local_batch_size()) > 1) one_thread.emplace(1);

  // A fresh permutation of the original order every epoch (Spotlight permutes the previous
  // epoch's order instead; the draws are the same).
  train_epochs(count, steps, epochs, on_epoch, [&](const int64_t* rows, int64_t size) {
    for (int64_t k = 0; k < size; ++k) {
      const int64_t* row = sequences.row(rows[k]);
      std::copy(row, row + length, batch.begin() + k * length);
      if (weighted) {
        const float* weights = sequences.weights.data() + rows[k] * length;
        std::copy(weights, weights + length, batch_weights.begin() + k * length);
      }
    }
    auto chunk = torch::from_blob(batch.data(), {size, length}, torch::kInt64).to(device_);
    torch::Tensor weights;
    if (weighted) weights = torch::from_blob(batch_weights.data(), {size, length}, torch::kFloat32).to(device_);
    const int64_t parts = minibatch_parts(size);
    if (parts > 1) return step_in_parts(chunk, weights, parts);
    if (all_items) return all_item_step(chunk, weights);
    return optimize(minibatch_loss(chunk, draw_negatives(chunk), weights));
  });
}

ImplicitSequenceModel::Negatives ImplicitSequenceModel::draw_negatives(const torch::Tensor& sequences) {
  const bool many = parts_.loss->negatives_per_positive() == NegativesPerPositive::many;
  const int64_t samples = many ? parts_.sampler->num_negative_samples() : 1;
  const auto drawn = parts_.sampler->sample_negatives(sequences, samples, stream());  // (samples, batch, length)
  Negatives negatives;
  negatives.items = drawn.to(device_);
  if (parts_.loss->uses_negative_log_q()) negatives.log_q = parts_.sampler->log_probabilities(drawn).to(device_);
  return negatives;
}

torch::Tensor ImplicitSequenceModel::minibatch_loss(const torch::Tensor& sequences, const Negatives& negatives,
                                                    const torch::Tensor& weights) {
  auto& representation = *parts_.representation;
  // The state before step t predicts item t: every step of every sequence in one pass.
  const auto states = representation.encode_sequences(sequences).per_step;  // (batch, length, state)
  const bool many = parts_.loss->negatives_per_positive() == NegativesPerPositive::many;
  // Positives and negatives scored in one call (one embedding lookup, one backward pass).
  auto scores = representation.score(states.unsqueeze(0), torch::cat({sequences.unsqueeze(0), negatives.items}));
  ImplicitLossInput input;
  input.positive = scores[0];
  input.negative = many ? scores.narrow(0, 1, negatives.items.size(0)) : scores[1];
  // Steps whose target is padding do not count.
  input.mask = sequences.ne(0);
  input.weights = weights;
  input.negative_log_q = negatives.log_q;
  return parts_.loss->implicit_batch_loss(input);
}

double ImplicitSequenceModel::step_in_parts(const torch::Tensor& sequences, const torch::Tensor& weights,
                                            int64_t parts) {
  const bool all_items = parts_.loss->needs_all_item_scores();
  const Negatives negatives = all_items ? Negatives{} : draw_negatives(sequences);
  const auto real = sequences.ne(0);
  auto counted = real.to(torch::kFloat64);
  if (weights.defined()) counted = counted * weights.to(torch::kFloat64);
  const auto per_sequence = counted.sum(1);
  const double total = per_sequence.sum().item<double>();
  // Nothing counts (all weights 0): the loss's own reduction says what that is.
  if (!(total > 0.0)) {
    return all_items ? all_item_step(sequences, weights) : optimize(minibatch_loss(sequences, negatives, weights));
  }
  // The parts share the real steps, whatever their weights: those are the parts' work.
  const auto steps = real.sum(1).to(torch::kCPU, torch::kInt64).contiguous();
  const auto bounds = balanced_part_bounds(
      std::vector<int64_t>(steps.data_ptr<int64_t>(), steps.data_ptr<int64_t>() + steps.numel()), parts);
  return optimize_in_parts(parts, [&](int64_t part, const std::vector<torch::Tensor>& trained) -> PartStep {
    const int64_t begin = bounds[part];
    const int64_t count = bounds[part + 1] - begin;
    const double counted_here = per_sequence.narrow(0, begin, count).sum().item<double>();
    if (counted_here == 0.0) return {};
    const auto rows = [&](const torch::Tensor& tensor, int64_t dim) {
      return tensor.defined() ? tensor.narrow(dim, begin, count) : tensor;
    };
    if (all_items) {
      CollectedGradients collected{trained, {}};
      const double loss = backward_all_item_loss(*parts_.representation, *parts_.loss,
                                                 all_item_rows(rows(sequences, 0), rows(weights, 0)), num_items_,
                                                 /*exclude_padding_item=*/true, kAllItemScoreChunkElements, total,
                                                 &collected);
      return {loss, std::move(collected.gradients)};
    }
    const Negatives own{rows(negatives.items, 1), rows(negatives.log_q, 1)};
    return differentiate(minibatch_loss(rows(sequences, 0), own, rows(weights, 0)) * (counted_here / total), trained);
  });
}

AllItemRows ImplicitSequenceModel::all_item_rows(const torch::Tensor& sequences, const torch::Tensor& weights) {
  const auto states = parts_.representation->encode_sequences(sequences).per_step;  // (batch, length, state)
  // Only the real steps are scored: padding targets cost nothing.
  const auto targets = sequences.reshape({-1});
  const auto real = targets.ne(0).nonzero().squeeze(1);
  AllItemRows rows;
  rows.states = states.reshape({-1, states.size(-1)}).index_select(0, real);
  rows.positives = targets.index_select(0, real);
  if (weights.defined()) rows.weights = weights.reshape({-1}).index_select(0, real);
  return rows;
}

double ImplicitSequenceModel::all_item_step(const torch::Tensor& sequences, const torch::Tensor& weights) {
  return optimize_accumulated([&] {
    return backward_all_item_loss(*parts_.representation, *parts_.loss, all_item_rows(sequences, weights), num_items_,
                                  /*exclude_padding_item=*/true);
  });
}

torch::Tensor ImplicitSequenceModel::score_sequences(const torch::Tensor& item_sequences) {
  if (item_sequences.dim() != 2 || item_sequences.size(1) == 0) {
    throw Error("score_sequences needs a (sequences, length) tensor of item ids with length at least 1");
  }
  check_ids(torch::Tensor(), item_sequences);
  torch::NoGradGuard no_grad;
  enter_evaluation_mode();
  auto states = parts_.representation->encode_sequences(item_sequences.to(device_, torch::kInt64)).final;
  auto scores = parts_.loss->predictions(parts_.representation->score_all(states)).to(torch::kCPU, torch::kFloat32);
  scores = scores.contiguous();
  scores.select(1, 0).fill_(std::numeric_limits<float>::lowest());
  return scores;
}

torch::Tensor ImplicitSequenceModel::score_users(const torch::Tensor&) {
  throw Error("an implicit_sequence model scores item sequences, not users");
}

torch::Tensor ImplicitSequenceModel::score_pairs(const torch::Tensor&, const torch::Tensor&) {
  throw Error("an implicit_sequence model scores item sequences, not (user, item) pairs");
}

}  // namespace spotlight
