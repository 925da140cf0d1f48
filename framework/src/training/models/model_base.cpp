#include "src/training/models/model_base.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <torch/csrc/autograd/autograd.h>

#include "spotlight/framework/training/runtime.h"
#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/nn/dropout.h"
#include "spotlight/sdk/scoring_workers.h"
#include "src/training/device.h"

namespace spotlight {

ModelBase::ModelBase(std::string type, ModelParts parts, TrainingOptions options, int64_t num_users,
                           int64_t num_items)
    : type_(std::move(type)),
      parts_(std::move(parts)),
      options_(std::move(options)),
      num_users_(num_users),
      num_items_(num_items),
      device_(resolve_device(options_.device)),
      random_(options_.seed) {
  parts_.representation->to(device_);
}

namespace {

void shuffle(std::vector<int64_t>& order, Random& random) {
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[random.below(i)]);
}

}  // namespace

std::vector<int64_t> ModelBase::epoch_order(int64_t size) {
  if (!replicas_) {
    std::vector<int64_t> order(static_cast<size_t>(size));
    std::iota(order.begin(), order.end(), int64_t{0});
    shuffle(order, random_);
    return order;
  }
  const int64_t ranks = replicas_->size();
  const int64_t rank = replicas_->rank();
  if (size < ranks) {
    throw DataError(type_ + ": " + std::to_string(size) + " training examples cannot be shared by " +
                    std::to_string(ranks) + " processes");
  }
  // One draw from the shared stream per epoch keeps the ranks' shared state identical (and
  // it is what a checkpoint saves); the rank's own stream is derived from that draw.
  rank_random_ = Random(random_.next() ^ (0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(rank + 1)));
  std::vector<int64_t> order;
  order.reserve(static_cast<size_t>((size + ranks - 1) / ranks));
  for (int64_t example = rank; example < size; example += ranks) order.push_back(example);
  shuffle(order, rank_random_);
  const size_t own = order.size();
  for (size_t i = 0; order.size() < static_cast<size_t>((size + ranks - 1) / ranks); ++i) order.push_back(order[i % own]);
  return order;
}

int64_t ModelBase::local_batch_size() const {
  if (!replicas_) return options_.batch_size;
  return (options_.batch_size + replicas_->size() - 1) / replicas_->size();
}

void ModelBase::enter_evaluation_mode() {
  std::lock_guard<std::mutex> lock(mode_mutex_);
  if (parts_.representation->is_training()) parts_.representation->eval();
}

void ModelBase::prepare_training(const Interactions& train) {
  if (train.size() == 0) throw DataError(type_ + ": the training set is empty");
  if (train.num_users > num_users_ || train.num_items > num_items_) {
    throw DataError(type_ + ": the training data has more users or items than the model was built for");
  }
  if (!optimizer_) create_optimizer();
  if (!sampler_prepared_ && parts_.sampler) {
    if (parts_.sampler->reads_training_rows()) {
      parts_.sampler->prepare(train.to_matrix());
    } else {
      InteractionMatrix counts;
      counts.num_users = train.num_users;
      counts.num_items = train.num_items;
      counts.row_offsets.assign(static_cast<size_t>(train.num_users) + 1, 0);
      parts_.sampler->prepare(counts);
    }
    sampler_prepared_ = true;
  }
}

double ModelBase::optimize(const torch::Tensor& loss) {
  release_gradients();
  loss.backward();
  apply_gradients();
  return loss.item<double>();
}

double ModelBase::optimize_by_hand(double loss, const std::function<void()>& set_gradients) {
  set_gradients();
  apply_gradients();
  return loss;
}

double ModelBase::optimize_accumulated(const std::function<double()>& accumulate) {
  release_gradients();
  const double loss = accumulate();
  apply_gradients();
  return loss;
}

double ModelBase::optimize_in_parts(int64_t parts, const PartStepFunction& part_step) {
  release_gradients();
  std::vector<torch::Tensor> trained;
  for (const auto& parameter : parts_.representation->parameters()) {
    if (parameter.requires_grad()) trained.push_back(parameter);
  }
  // Drawn in order on this thread, from the generator torch::manual_seed sets.
  const auto seeds = torch::randint(std::numeric_limits<int64_t>::max(), {parts}, torch::kInt64);
  std::vector<PartStep> steps(static_cast<size_t>(parts));
  for_each_block_on(static_cast<int>(parts), parts, [&](int64_t part) {
    Random dropout_stream(static_cast<uint64_t>(seeds[part].item<int64_t>()));
    const nn::DropoutSeeds dropout_seeds(dropout_stream);
    steps[static_cast<size_t>(part)] = part_step(part, trained);
  });
  double loss = 0.0;
  for (const auto& step : steps) loss += step.loss;
  for (size_t i = 0; i < trained.size(); ++i) {
    torch::Tensor sum;
    for (const auto& step : steps) {
      if (step.gradients.empty() || !step.gradients[i].defined()) continue;
      sum = sum.defined() ? sum + step.gradients[i] : step.gradients[i];
    }
    if (sum.defined()) trained[i].mutable_grad() = sum;
  }
  apply_gradients();
  return loss;
}

ModelBase::PartStep ModelBase::differentiate(const torch::Tensor& loss, const std::vector<torch::Tensor>& trained) {
  if (!loss.defined()) return {};
  PartStep step;
  step.gradients = torch::autograd::grad({loss}, trained, {}, /*retain_graph=*/false, /*create_graph=*/false,
                                         /*allow_unused=*/true);
  step.loss = loss.item<double>();
  return step;
}

int64_t ModelBase::minibatch_parts(int64_t size) const {
  if (!parts_.representation->encodes_concurrently() || !device_.is_cpu()) return 1;
  const int64_t threads = options_.threads > 0 ? options_.threads : (replicas_ ? 1 : core_count());
  return std::max<int64_t>(1, std::min(threads, size));
}

void ModelBase::check_weights(const Interactions& train, const std::string& type) {
  for (size_t row = 0; row < train.weights.size(); ++row) {
    if (train.weights[row] < 0.0f) {
      throw DataError(type + ": row " + std::to_string(row) + " of the training data has the negative weight " +
                      c10::str(train.weights[row]) + "; weights must be at least 0");
    }
  }
}

void ModelBase::release_gradients() {
  released_.clear();
  for (auto& group : optimizer_->param_groups()) {
    for (auto& parameter : group.params()) {
      auto& gradient = parameter.mutable_grad();
      if (!gradient.defined()) continue;
      if (gradient.is_sparse()) {
        gradient.detach_();
        gradient.zero_();
        continue;
      }
      released_.push_back(parameter);
      gradient.reset();
    }
  }
}

void ModelBase::apply_gradients() {
  for (auto& parameter : released_) {
    if (!parameter.grad().defined()) parameter.mutable_grad() = torch::zeros_like(parameter);
  }
  released_.clear();
  if (!gradients_checked_) {
    check_gradients_fit_optimizer();
    gradients_checked_ = true;
  }
  if (replicas_) replicas_->average_gradients(parts_.representation->parameters());
  optimizer_->step();
  if (replicas_ && replicas_->check_every_step()) {
    replicas_->check_identical(parts_.representation->parameters(), "after a step of epoch " +
                                                                        std::to_string(epochs_done_ + 1));
  }
}

void ModelBase::train_epochs(int64_t count, int64_t examples, int64_t epochs, const EpochCallback& on_epoch,
                             const MinibatchStep& step) {
  const int64_t batch_size = local_batch_size();
  stop_requested_ = false;
  for (int64_t epoch = 0; epoch < (epochs < 0 ? options_.n_iter : epochs) && !stop_requested_; ++epoch) {
    const auto started = Clock::now();
    const std::vector<int64_t> order = epoch_order(count);
    const auto shard = static_cast<int64_t>(order.size());
    const int64_t total = (shard + batch_size - 1) / batch_size;
    double total_loss = 0.0;
    int64_t batches = 0;
    for (int64_t start = 0; start < shard; start += batch_size) {
      total_loss += step(order.data() + start, std::min(batch_size, shard - start));
      ++batches;
      report_batch(batches, total, total_loss / static_cast<double>(batches));
    }
    finish_epoch(total_loss, batches, started, examples, on_epoch);
  }
}

void ModelBase::finish_epoch(double total_loss, int64_t batches, Clock::time_point started, int64_t examples,
                                const EpochCallback& on_epoch) {
  if (replicas_) {
    // Every rank reports (and checks) the mean loss over all of them, so they stop together.
    const auto summed = replicas_->sum({total_loss, static_cast<double>(batches)});
    total_loss = summed[0];
    batches = static_cast<int64_t>(summed[1]);
    replicas_->check_identical(parts_.representation->parameters(),
                               "at the end of epoch " + std::to_string(epochs_done_ + 1));
  }
  const double epoch_loss = total_loss / static_cast<double>(batches);
  ++epochs_done_;
  if (std::isnan(epoch_loss) || epoch_loss == 0.0) {
    const std::string shown = std::isnan(epoch_loss) ? "NaN" : "0";
    throw Error("degenerate epoch loss " + shown + " in epoch " + std::to_string(epochs_done_) +
                ": training diverged or stopped learning (try a lower learning rate or another loss)");
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  if (on_epoch) on_epoch({epochs_done_, options_.n_iter, epoch_loss, seconds, examples});
}

void ModelBase::create_optimizer() {
  optimizer_ = parts_.optimizer->create(parts_.representation->parameters());
}

void ModelBase::check_gradients_fit_optimizer() const {
  if (parts_.optimizer->takes_sparse_gradients()) return;
  for (const auto& parameter : parts_.representation->parameters()) {
    if (parameter.grad().defined() && parameter.grad().is_sparse()) {
      throw ConfigError("model.optimizer.type", "\"" + parts_.optimizer_name +
                                                    "\" cannot apply the sparse gradients of a component with "
                                                    "\"sparse\": true; use an optimizer plugin that takes them (see "
                                                    "`spotlight plugins`), or dense gradients");
    }
  }
}

void ModelBase::check_ids(const torch::Tensor& user_ids, const torch::Tensor& item_ids) const {
  auto check = [](const torch::Tensor& ids, int64_t count, const char* what) {
    if (!ids.defined() || ids.numel() == 0) return;
    int64_t lowest = 0, highest = 0;
    if (ids.device().is_cpu() && ids.scalar_type() == torch::kInt64 && ids.is_contiguous()) {
      // A loop over the ids, not two reductions: scoring a block of users calls this every time.
      const int64_t* data = ids.data_ptr<int64_t>();
      const auto [low, high] = std::minmax_element(data, data + ids.numel());
      lowest = *low;
      highest = *high;
    } else {
      lowest = ids.min().item<int64_t>();
      highest = ids.max().item<int64_t>();
    }
    if (lowest < 0 || highest >= count) {
      throw DataError(std::string(what) + " id " + std::to_string(lowest < 0 ? lowest : highest) +
                      " is outside the model's " + std::to_string(count) + " " + what + "s");
    }
  };
  check(user_ids, num_users_, "user");
  check(item_ids, num_items_, "item");
}

void ModelBase::save_state(torch::serialize::OutputArchive& archive) const {
  torch::serialize::OutputArchive representation;
  parts_.representation->save(representation);
  archive.write("representation", representation);
  if (optimizer_) {
    torch::serialize::OutputArchive optimizer;
    optimizer_->save(optimizer);
    archive.write("optimizer", optimizer);
  }
  auto random_state = torch::empty({4}, torch::kInt64);
  for (int i = 0; i < 4; ++i) random_state[i] = static_cast<int64_t>(random_.state(i));
  archive.write("random_state", random_state);
  archive.write("epochs_done", torch::tensor(epochs_done_));
}

void ModelBase::load_state(torch::serialize::InputArchive& archive) {
  try {
    torch::serialize::InputArchive representation;
    archive.read("representation", representation);
    // Reading an archive replaces each tensor with the stored one, whatever its shape, so
    // compare shapes: a checkpoint from another configuration must not load silently.
    std::vector<std::pair<std::string, std::vector<int64_t>>> expected_shapes;
    for (const auto& parameter : parts_.representation->named_parameters()) {
      expected_shapes.emplace_back(parameter.key(), parameter.value().sizes().vec());
    }
    parts_.representation->load(representation);
    const auto loaded = parts_.representation->named_parameters();
    for (const auto& [name, shape] : expected_shapes) {
      const auto actual = loaded[name].sizes().vec();
      if (actual != shape) {
        throw Error("the saved " + type_ + " state does not fit this model: parameter " + name + " has shape " +
                    c10::str(c10::IntArrayRef(actual)) + " in the checkpoint, " + c10::str(c10::IntArrayRef(shape)) +
                    " in the model");
      }
    }
    torch::serialize::InputArchive optimizer;
    if (archive.try_read("optimizer", optimizer)) {
      create_optimizer();
      optimizer_->load(optimizer);
    }
    torch::Tensor random_state, epochs;
    archive.read("random_state", random_state);
    archive.read("epochs_done", epochs);
    uint64_t words[4];
    for (int i = 0; i < 4; ++i) words[i] = static_cast<uint64_t>(random_state[i].item<int64_t>());
    random_.set_state(words);
    epochs_done_ = epochs.item<int64_t>();
  } catch (const c10::Error& error) {
    const std::string what = error.what_without_backtrace();
    throw Error("the saved " + type_ + " state does not fit this model: " + what.substr(0, what.find('\n')));
  }
}

}  // namespace spotlight
