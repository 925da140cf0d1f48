#include "src/models/implicit_factorization.h"

#include <chrono>
#include <cmath>
#include <numeric>

#include "spotlight/framework/optimizer.h"
#include "spotlight/sdk/errors.h"
#include "src/models/device.h"

namespace spotlight {

ImplicitFactorizationModel::ImplicitFactorizationModel(ModelParts parts, TrainingOptions options, int64_t num_users,
                                                       int64_t num_items)
    : parts_(std::move(parts)),
      options_(std::move(options)),
      num_users_(num_users),
      num_items_(num_items),
      device_(resolve_device(options_.device)),
      random_(options_.seed) {
  parts_.representation->to(device_);
}

void ImplicitFactorizationModel::fit(const Interactions& train, const EpochCallback& on_epoch) {
  if (train.size() == 0) throw DataError("implicit_factorization: the training set is empty");
  if (train.num_users > num_users_ || train.num_items > num_items_) {
    throw DataError("implicit_factorization: the training data has more users or items than the model was built for");
  }
  auto& representation = *parts_.representation;
  if (!optimizer_) {
    optimizer_ = make_optimizer(options_.optimizer, representation.parameters());
    parts_.sampler->prepare(train.to_matrix());
  }
  representation.train();
  const bool many_negatives = parts_.loss->negatives_per_positive() == NegativesPerPositive::many;
  const int64_t num_negatives = many_negatives ? parts_.sampler->num_negative_samples() : 1;
  const auto n = static_cast<int64_t>(train.size());
  const int64_t batch_size = options_.batch_size;
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::vector<int64_t> batch_users(static_cast<size_t>(batch_size));
  std::vector<int64_t> batch_items(static_cast<size_t>(batch_size));

  for (int64_t epoch = 0; epoch < options_.n_iter; ++epoch) {
    const auto started = std::chrono::steady_clock::now();
    // Every epoch shuffles the original order, as Spotlight does.
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
      }
      auto users = torch::from_blob(batch_users.data(), {size}, torch::kInt64).to(device_);
      auto items = torch::from_blob(batch_items.data(), {size}, torch::kInt64).to(device_);
      auto states = representation.encode_users(users);
      auto positive = representation.score(states, items);
      torch::Tensor negative;
      if (many_negatives) {
        auto negative_items = parts_.sampler->sample({num_negatives, size}, random_).to(device_);
        negative = representation.score(states.unsqueeze(0), negative_items);
      } else {
        auto negative_items = parts_.sampler->sample({size}, random_).to(device_);
        negative = representation.score(states, negative_items);
      }
      auto loss = parts_.loss->implicit_loss(positive, negative, torch::Tensor());
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

torch::Tensor ImplicitFactorizationModel::score_users(const torch::Tensor& user_ids) {
  torch::NoGradGuard no_grad;
  parts_.representation->eval();
  auto states = parts_.representation->encode_users(user_ids.to(device_));
  return parts_.representation->score_all(states).to(torch::kCPU, torch::kFloat32).contiguous();
}

torch::Tensor ImplicitFactorizationModel::score_sequences(const torch::Tensor&) {
  throw Error("an implicit_factorization model scores users, not item sequences");
}

torch::Tensor ImplicitFactorizationModel::score_pairs(const torch::Tensor& user_ids, const torch::Tensor& item_ids) {
  torch::NoGradGuard no_grad;
  parts_.representation->eval();
  auto states = parts_.representation->encode_users(user_ids.to(device_));
  return parts_.representation->score(states, item_ids.to(device_)).to(torch::kCPU, torch::kFloat32).contiguous();
}

}  // namespace spotlight
