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
  if (!optimizer_) {
    optimizer_ = make_optimizer(options_.optimizer, representation.parameters());
    if (parts_.sampler) parts_.sampler->prepare(train.to_matrix());
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
      optimizer_->step();
      total_loss += loss.item<double>();
      ++batches;
    }
    const double epoch_loss = total_loss / static_cast<double>(batches);
    ++epochs_done_;
    if (std::isnan(epoch_loss) || epoch_loss == 0.0) {
      throw Error("degenerate epoch loss " + std::to_string(epoch_loss) + " in epoch " + std::to_string(epochs_done_) +
                  ": training diverged or stopped learning (try a lower learning rate or another loss)");
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (on_epoch) on_epoch({epochs_done_, options_.n_iter, epoch_loss, seconds, n});
  }
}

torch::Tensor FactorizationModel::score_users(const torch::Tensor& user_ids) {
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
  torch::NoGradGuard no_grad;
  parts_.representation->eval();
  auto states = parts_.representation->encode_users(user_ids.to(device_));
  auto scores = parts_.loss->predictions(parts_.representation->score(states, item_ids.to(device_)));
  return scores.to(torch::kCPU, torch::kFloat32).contiguous();
}

}  // namespace spotlight
