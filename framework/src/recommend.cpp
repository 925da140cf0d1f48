#include "spotlight/framework/recommend.h"

#include <algorithm>
#include <charconv>
#include <numeric>

#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/ranking.h"

namespace spotlight {

namespace {

// A raw id back to the dense id the model knows, through the saved id map (or as the
// number itself when the data used raw numeric ids).
int64_t dense_id(const IdMap& map, const std::string& raw, int64_t count, const char* what) {
  if (!map.empty()) {
    const auto found = std::find(map.raw_ids.begin(), map.raw_ids.end(), raw);
    // An empty raw id is the padding entry of a sequence model's item map, not an item.
    if (found != map.raw_ids.end() && !raw.empty()) return found - map.raw_ids.begin();
  } else {
    int64_t id = -1;
    const auto [end, error] = std::from_chars(raw.data(), raw.data() + raw.size(), id);
    if (error == std::errc() && end == raw.data() + raw.size() && id >= 0 && id < count) return id;
  }
  throw DataError(std::string(what) + " \"" + raw + "\" is not in the model's data");
}

std::string raw_id(const IdMap& map, int64_t dense) {
  return map.empty() ? std::to_string(dense) : map.raw_ids.at(static_cast<size_t>(dense));
}

// The user's items, oldest first (ties keep the file's order).
std::vector<int64_t> history_of(const Interactions& data, int64_t user) {
  std::vector<size_t> rows;
  for (size_t i = 0; i < data.size(); ++i) {
    if (data.user_ids[i] == user) rows.push_back(i);
  }
  if (!data.timestamps.empty()) {
    std::stable_sort(rows.begin(), rows.end(),
                     [&](size_t a, size_t b) { return data.timestamps[a] < data.timestamps[b]; });
  }
  std::vector<int64_t> items;
  for (size_t row : rows) items.push_back(data.item_ids[row]);
  return items;
}

// The k best of one row of scores, leaving out `seen` (and item 0 of sequence models, which
// scores lowest and is padding, not an item).
std::vector<Recommendation> best_items(const LoadedCheckpoint& saved, torch::Tensor scores,
                                       std::vector<int64_t> seen, int64_t k) {
  float* row = scores.data_ptr<float>();
  const int64_t num_items = scores.size(1);
  push_to_bottom(row, seen.data(), static_cast<int64_t>(seen.size()));
  if (saved.assembled.model->scores_sequences()) seen.push_back(0);
  std::sort(seen.begin(), seen.end());
  const auto unseen = num_items - static_cast<int64_t>(std::unique(seen.begin(), seen.end()) - seen.begin());
  std::vector<Recommendation> recommendations;
  for (int64_t item : top_k(row, num_items, std::min(k, unseen))) {
    recommendations.push_back({raw_id(saved.items, item), row[item]});
  }
  return recommendations;
}

torch::Tensor score_history(Model& model, const std::vector<int64_t>& history, int64_t max_length) {
  const auto length = std::min<int64_t>(static_cast<int64_t>(history.size()), max_length);
  std::vector<int64_t> window(history.end() - length, history.end());
  return model.score_sequences(torch::from_blob(window.data(), {1, length}, torch::kInt64).clone());
}

}  // namespace

std::vector<Recommendation> recommend_for_user(LoadedCheckpoint& saved, const std::string& user, int64_t k,
                                               bool include_seen) {
  auto& model = *saved.assembled.model;
  const int64_t user_id = dense_id(saved.users, user, model.num_users(), "user");
  if (model.scores_users()) {
    auto scores = model.score_users(torch::tensor({user_id}, torch::kInt64));
    std::vector<int64_t> seen;
    if (!include_seen) seen = history_of(training_data(saved), user_id);
    return best_items(saved, scores, std::move(seen), k);
  }
  // A sequence model predicts what follows the user's latest items in the data.
  const auto history = history_of(training_data(saved), user_id);
  if (history.empty()) throw DataError("user \"" + user + "\" has no interactions to continue");
  const auto* options = model.sequence_options();
  auto scores = score_history(model, history, options ? options->max_length : static_cast<int64_t>(history.size()));
  return best_items(saved, scores, include_seen ? std::vector<int64_t>() : history, k);
}

std::vector<Recommendation> recommend_for_sequence(LoadedCheckpoint& saved, const std::vector<std::string>& items,
                                                   int64_t k, bool include_seen) {
  auto& model = *saved.assembled.model;
  if (!model.scores_sequences()) throw Error("this model scores users by id; recommend with --user");
  if (items.empty()) throw DataError("the sequence is empty; give the items seen so far, oldest first");
  std::vector<int64_t> history;
  for (const auto& item : items) history.push_back(dense_id(saved.items, item, model.num_items(), "item"));
  if (std::find(history.begin(), history.end(), 0) != history.end()) {
    throw DataError("item 0 is the padding id of sequences, not an item");
  }
  auto scores = score_history(model, history, static_cast<int64_t>(history.size()));
  return best_items(saved, scores, include_seen ? std::vector<int64_t>() : history, k);
}

}  // namespace spotlight
