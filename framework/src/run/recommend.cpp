#include "spotlight/framework/run/recommend.h"

#include <algorithm>
#include <charconv>
#include <numeric>

#include <torch/torch.h>

#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/exposed_tables.h"
#include "spotlight/sdk/ranking.h"

namespace spotlight {

namespace {

std::unordered_map<std::string, int64_t> index_of(const IdMap& map) {
  std::unordered_map<std::string, int64_t> index;
  index.reserve(map.raw_ids.size());
  for (size_t dense = 0; dense < map.raw_ids.size(); ++dense) {
    // An empty raw id is the padding entry of a sequence model's item map, not an item.
    if (!map.raw_ids[dense].empty()) index.emplace(map.raw_ids[dense], static_cast<int64_t>(dense));
  }
  return index;
}

// A raw id back to the dense id the model knows, through the saved id map (or as the
// number itself when the data used raw numeric ids).
int64_t dense_id(const IdMap& map, const std::unordered_map<std::string, int64_t>& index, const std::string& raw,
                 int64_t count, const char* what) {
  if (!map.empty()) {
    const auto found = index.find(raw);
    if (found != index.end()) return found->second;
  } else {
    int64_t id = -1;
    const auto [end, error] = std::from_chars(raw.data(), raw.data() + raw.size(), id);
    if (error == std::errc() && end == raw.data() + raw.size() && id >= 0 && id < count) return id;
  }
  throw DataError(std::string(what) + " \"" + raw + "\" is not in the model's data");
}

// Every user's items, oldest first (ties keep the file's order).
std::vector<std::vector<int64_t>> histories_of(const Interactions& data, int64_t num_users) {
  std::vector<size_t> rows(data.size());
  std::iota(rows.begin(), rows.end(), size_t{0});
  if (!data.timestamps.empty()) {
    std::stable_sort(rows.begin(), rows.end(),
                     [&](size_t a, size_t b) { return data.timestamps[a] < data.timestamps[b]; });
  }
  std::vector<std::vector<int64_t>> histories(static_cast<size_t>(num_users));
  for (size_t row : rows) histories[static_cast<size_t>(data.user_ids[row])].push_back(data.item_ids[row]);
  return histories;
}

}  // namespace

Recommender::Recommender(LoadedCheckpoint& saved)
    : saved_(saved),
      num_users_(saved.assembled.model->num_users()),
      num_items_(saved.assembled.model->num_items()),
      scores_sequences_(saved.assembled.model->user_input() == UserInput::item_history),
      user_index_(index_of(saved.users)),
      item_index_(index_of(saved.items)),
      histories_(histories_of(training_data(saved), num_users_)) {
  if (const auto* options = saved.assembled.model->sequence_options()) window_ = options->max_length;
}

int64_t Recommender::user_id(const std::string& raw) const {
  return dense_id(saved_.users, user_index_, raw, num_users_, "user");
}

int64_t Recommender::item_id(const std::string& raw) const {
  return dense_id(saved_.items, item_index_, raw, num_items_, "item");
}

std::string Recommender::raw_user(int64_t user) const {
  return saved_.users.empty() ? std::to_string(user) : saved_.users.raw_ids.at(static_cast<size_t>(user));
}

std::string Recommender::raw_item(int64_t item) const {
  return saved_.items.empty() ? std::to_string(item) : saved_.items.raw_ids.at(static_cast<size_t>(item));
}

std::vector<int64_t> Recommender::users_with_history() const {
  std::vector<int64_t> users;
  for (size_t user = 0; user < histories_.size(); ++user) {
    if (!histories_[user].empty()) users.push_back(static_cast<int64_t>(user));
  }
  return users;
}

std::vector<Recommendation> Recommender::best_items(float* scores, std::vector<int64_t> excluded, int64_t k) const {
  push_to_bottom(scores, excluded.data(), static_cast<int64_t>(excluded.size()));
  // Item 0 of a sequence model is padding: it already scores lowest and is never an answer.
  if (scores_sequences_) excluded.push_back(0);
  std::sort(excluded.begin(), excluded.end());
  const auto candidates =
      num_items_ - static_cast<int64_t>(std::unique(excluded.begin(), excluded.end()) - excluded.begin());
  std::vector<Recommendation> best;
  for (int64_t item : top_k(scores, num_items_, std::min(k, candidates))) {
    best.push_back({raw_item(item), scores[item]});
  }
  return best;
}

torch::Tensor Recommender::windows(const std::vector<const std::vector<int64_t>*>& histories) const {
  const auto count = static_cast<int64_t>(histories.size());
  auto batch = torch::zeros({count, window_}, torch::kInt64);
  int64_t* rows = batch.data_ptr<int64_t>();
  for (int64_t row = 0; row < count; ++row) {
    const auto& history = *histories[static_cast<size_t>(row)];
    const auto length = std::min<int64_t>(static_cast<int64_t>(history.size()), window_);
    std::copy(history.end() - length, history.end(), rows + row * window_ + (window_ - length));
  }
  return batch;
}

std::vector<std::vector<Recommendation>> Recommender::for_users(const std::vector<int64_t>& users, int64_t k,
                                                                bool include_seen) {
  for (int64_t user : users) {
    if (user < 0 || user >= num_users_) throw DataError("user " + std::to_string(user) + " is not in the model's data");
    if (scores_sequences_ && histories_[static_cast<size_t>(user)].empty()) {
      throw DataError("user \"" + raw_user(user) + "\" has no interactions to continue");
    }
  }
  std::vector<std::vector<Recommendation>> answers;
  answers.reserve(users.size());
  for (size_t begin = 0; begin < users.size(); begin += block_rows()) {
    const size_t count = std::min(users.size() - begin, block_rows());
    const torch::Tensor scores = score_block(users.data() + begin, count);
    for (size_t row = 0; row < count; ++row) {
      const int64_t user = users[begin + row];
      auto seen = include_seen ? std::vector<int64_t>() : histories_[static_cast<size_t>(user)];
      answers.push_back(best_items(scores[static_cast<int64_t>(row)].data_ptr<float>(), std::move(seen), k));
    }
  }
  return answers;
}

torch::Tensor Recommender::score_block(const int64_t* users, size_t count) {
  auto& model = *saved_.assembled.model;
  // Every call scores a block of the same shape, the last user repeated to fill it: a
  // product's rounding can depend on its shape, and one user's scores must not depend on
  // which users were asked about with it.
  std::vector<int64_t> block(users, users + count);
  block.resize(block_rows(), users[count - 1]);
  if (!scores_sequences_) return model.score_users(torch::tensor(block, torch::kInt64)).contiguous();
  std::vector<const std::vector<int64_t>*> histories;
  for (int64_t user : block) histories.push_back(&histories_[static_cast<size_t>(user)]);
  return model.score_sequences(windows(histories)).contiguous();
}

std::vector<Recommendation> Recommender::for_sequence(const std::vector<std::string>& items, int64_t k,
                                                      bool include_seen) {
  auto& model = *saved_.assembled.model;
  if (!scores_sequences_) throw Error("this model scores users by id; it cannot continue a sequence");
  if (items.empty()) throw DataError("the sequence is empty; give the items seen so far, oldest first");
  std::vector<int64_t> history;
  for (const auto& item : items) history.push_back(item_id(item));
  if (std::find(history.begin(), history.end(), 0) != history.end()) {
    throw DataError("item 0 is the padding id of sequences, not an item");
  }
  // The same block shape as for_users, so a sequence scores as a user with that history does.
  std::vector<const std::vector<int64_t>*> histories(block_rows(), &history);
  auto scores = model.score_sequences(windows(histories)).contiguous();
  return best_items(scores[0].data_ptr<float>(), include_seen ? std::vector<int64_t>() : history, k);
}

const torch::Tensor& Recommender::unit_item_vectors() {
  std::call_once(unit_vectors_once_, [this] {
    auto* tables = dynamic_cast<ExposesTables*>(&saved_.assembled.model->representation());
    if (tables == nullptr) {
      throw Error("the model's representation \"" + representation_plugin(saved_) +
                  "\" does not expose item vectors, so it cannot tell similar items");
    }
    torch::NoGradGuard no_grad;
    auto vectors = tables->item_vectors();
    // A zero vector is similar to nothing: its row stays zero instead of dividing by zero.
    auto norms = vectors.norm(2, 1, true);
    unit_item_vectors_ = (vectors / norms.clamp_min(1e-30)).contiguous();
  });
  return unit_item_vectors_;
}

std::vector<Recommendation> Recommender::similar_items(const std::string& item, int64_t k) {
  const int64_t query = item_id(item);
  const auto& vectors = unit_item_vectors();
  if (vectors.size(0) != num_items_) {
    throw Error("the model's representation \"" + representation_plugin(saved_) + "\" exposes " +
                std::to_string(vectors.size(0)) + " item vectors for " + std::to_string(num_items_) + " items");
  }
  auto similarities = torch::mv(vectors, vectors[query]).contiguous();
  return best_items(similarities.data_ptr<float>(), {query}, k);
}

std::string representation_plugin(const LoadedCheckpoint& saved) {
  const auto& model = saved.assembled.resolved.at("model");
  nlohmann::json node = model.at("representation");
  // "@name" refers to a node under model.components.
  for (int hops = 0; node.is_string() && hops < 64; ++hops) {
    const auto name = node.get<std::string>().substr(1);
    const auto components = model.find("components");
    if (components == model.end() || !components->contains(name)) break;
    node = components->at(name);
  }
  return node.is_object() && node.contains("plugin") ? node.at("plugin").get<std::string>() : "?";
}

std::vector<Recommendation> recommend_for_user(LoadedCheckpoint& saved, const std::string& user, int64_t k,
                                               bool include_seen) {
  Recommender recommender(saved);
  return recommender.for_users({recommender.user_id(user)}, k, include_seen).front();
}

std::vector<Recommendation> recommend_for_sequence(LoadedCheckpoint& saved, const std::vector<std::string>& items,
                                                   int64_t k, bool include_seen) {
  Recommender recommender(saved);
  return recommender.for_sequence(items, k, include_seen);
}

}  // namespace spotlight
