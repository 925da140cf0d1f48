#include "src/models/factorization_model.h"

#include <chrono>
#include <cmath>
#include <numeric>

#include "spotlight/framework/optimizer.h"
#include "spotlight/sdk/errors.h"
#include "src/models/device.h"

namespace spotlight {

FactorizationModel::FactorizationModel(std::string type, ModelParts parts, TrainingOptions options,
                                       int64_t num_users, int64_t num_items)
    : type_(std::move(type)),
      parts_(std::move(parts)),
      options_(std::move(options)),
      num_users_(num_users),
      num_items_(num_items),
      device_(resolve_device(options_.device)),
      random_(options_.seed) {
  parts_.representation->to(device_);
}

void FactorizationModel::fit(const Interactions& train, const EpochCallback& on_epoch) {
  if (train.size() == 0) throw DataError(type_ + ": the training set is empty");
  if (train.num_users > num_users_ || train.num_items > num_items_) {
    throw DataError(type_ + ": the training data has more users or items than the model was built for");
  }
  check_training_data(train);
  auto& representation = *parts_.representation;
  if (!optimizer_) create_optimizer();
  if (!sampler_prepared_ && parts_.sampler) {
    parts_.sampler->prepare(train.to_matrix());
    sampler_prepared_ = true;
  }
  representation.train();
  const auto n = static_cast<int64_t>(train.size());
  const int64_t batch_size = options_.batch_size;
  const bool with_ratings = reads_ratings();
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::vector<int64_t> batch_users(static_cast<size_t>(batch_size));
  std::vector<int64_t> batch_items(static_cast<size_t>(batch_size));
  std::vector<float> batch_ratings(with_ratings ? static_cast<size_t>(batch_size) : 0);

  for (int64_t epoch = 0; epoch < options_.n_iter; ++epoch) {
    const auto started = std::chrono::steady_clock::now();
    std::iota(order.begin(), order.end(), int64_t{0});
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[random_.below(i)]);

    double total_loss = 0.0;
    int64_t batches = 0;
    for (int64_t start = 0; start < n; start += batch_size) {
      const int64_t size = std::min(batch_size, n - start);
      for (int64_t k = 0; k < size; ++k) {
        const auto row = static_cast<size_t>(order[static_cast<size_t>(start + k)]);
        batch_users[static_cast<size_t>(k)] = train.user_ids[row];
        batch_items[static_cast<size_t>(k)] = train.item_ids[row];
        if (with_ratings) batch_ratings[static_cast<size_t>(k)] = train.ratings[row];
      }
      auto users = torch::from_blob(batch_users.data(), {size}, torch::kInt64).to(device_);
      auto items = torch::from_blob(batch_items.data(), {size}, torch::kInt64).to(device_);
      torch::Tensor ratings;
      if (with_ratings) ratings = torch::from_blob(batch_ratings.data(), {size}, torch::kFloat32).to(device_);
      auto loss = minibatch_loss(users, items, ratings);
      optimizer_->zero_grad();
      loss.backward();
      if (batches == 0) check_gradients_fit_optimizer();
      optimizer_->step();
      total_loss += loss.item<double>();
      ++batches;
    }
    const double epoch_loss = total_loss / static_cast<double>(batches);
    ++epochs_done_;
    if (std::isnan(epoch_loss) || epoch_loss == 0.0) {
      const std::string shown = std::isnan(epoch_loss) ? "NaN" : "0";
      throw Error("degenerate epoch loss " + shown + " in epoch " + std::to_string(epochs_done_) +
                  ": training diverged or stopped learning (try a lower learning rate or another loss)");
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (on_epoch) on_epoch({epochs_done_, options_.n_iter, epoch_loss, seconds, n});
  }
}

void FactorizationModel::create_optimizer() {
  optimizer_ = make_optimizer(options_.optimizer, parts_.representation->parameters());
}

void FactorizationModel::check_gradients_fit_optimizer() const {
  if (options_.optimizer.at("type") != "adam") return;
  for (const auto& parameter : parts_.representation->parameters()) {
    if (parameter.grad().defined() && parameter.grad().is_sparse()) {
      throw ConfigError("model.optimizer.type", "\"adam\" cannot apply the sparse gradients of a component with "
                                                "\"sparse\": true; use \"sgd\" or \"adagrad\", or dense gradients");
    }
  }
}

void FactorizationModel::check_ids(const torch::Tensor& user_ids, const torch::Tensor& item_ids) const {
  auto check = [](const torch::Tensor& ids, int64_t count, const char* what) {
    if (!ids.defined() || ids.numel() == 0) return;
    const int64_t lowest = ids.min().item<int64_t>();
    const int64_t highest = ids.max().item<int64_t>();
    if (lowest < 0 || highest >= count) {
      throw DataError(std::string(what) + " id " + std::to_string(lowest < 0 ? lowest : highest) +
                      " is outside the model's " + std::to_string(count) + " " + what + "s");
    }
  };
  check(user_ids, num_users_, "user");
  check(item_ids, num_items_, "item");
}

void FactorizationModel::save_state(torch::serialize::OutputArchive& archive) const {
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

void FactorizationModel::load_state(torch::serialize::InputArchive& archive) {
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

torch::Tensor FactorizationModel::score_users(const torch::Tensor& user_ids) {
  check_ids(user_ids, torch::Tensor());
  torch::NoGradGuard no_grad;
  parts_.representation->eval();
  auto states = parts_.representation->encode_users(user_ids.to(device_));
  auto scores = parts_.loss->predictions(parts_.representation->score_all(states));
  return scores.to(torch::kCPU, torch::kFloat32).contiguous();
}

torch::Tensor FactorizationModel::score_sequences(const torch::Tensor&) {
  throw Error("a " + type_ + " model scores users, not item sequences");
}

torch::Tensor FactorizationModel::score_pairs(const torch::Tensor& user_ids, const torch::Tensor& item_ids) {
  check_ids(user_ids, item_ids);
  if (user_ids.sizes() != item_ids.sizes()) throw Error("score_pairs needs as many user ids as item ids");
  torch::NoGradGuard no_grad;
  parts_.representation->eval();
  auto states = parts_.representation->encode_users(user_ids.to(device_));
  auto scores = parts_.loss->predictions(parts_.representation->score(states, item_ids.to(device_)));
  return scores.to(torch::kCPU, torch::kFloat32).contiguous();
}

}  // namespace spotlight
