#include "spotlight/framework/recommend.h"

#include <algorithm>
#include <charconv>

#include "spotlight/framework/experiment_data.h"
#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/ranking.h"

namespace spotlight {

namespace {

// A raw id back to the dense id the model knows, through the saved id map (or as the
// number itself when the data used raw numeric ids).
int64_t dense_id(const IdMap& map, const std::string& raw, int64_t count, const char* what) {
  if (!map.empty()) {
    const auto found = std::find(map.raw_ids.begin(), map.raw_ids.end(), raw);
    if (found != map.raw_ids.end()) return found - map.raw_ids.begin();
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

}  // namespace

std::vector<Recommendation> recommend_for_user(LoadedCheckpoint& saved, const std::string& user, int64_t k,
                                               bool include_seen) {
  auto& model = *saved.assembled.model;
  if (!model.scores_users()) throw Error("this model scores item sequences; recommend with --sequence");
  const int64_t user_id = dense_id(saved.users, user, model.num_users(), "user");
  auto scores = model.score_users(torch::tensor({user_id}, torch::kInt64));
  float* row = scores.data_ptr<float>();
  const int64_t num_items = scores.size(1);

  std::vector<int64_t> seen;
  if (!include_seen) {
    const auto data = load_experiment_data(saved.assembled.resolved).interactions;
    if (data.num_users != model.num_users() || data.num_items != model.num_items()) {
      throw DataError("the dataset now has " + std::to_string(data.num_users) + " users and " +
                      std::to_string(data.num_items) + " items, the model was trained on " +
                      std::to_string(model.num_users()) + " and " + std::to_string(model.num_items()));
    }
    for (size_t i = 0; i < data.size(); ++i) {
      if (data.user_ids[i] == user_id) seen.push_back(data.item_ids[i]);
    }
    push_to_bottom(row, seen.data(), static_cast<int64_t>(seen.size()));
  }
  std::sort(seen.begin(), seen.end());
  const auto unseen = num_items - static_cast<int64_t>(std::unique(seen.begin(), seen.end()) - seen.begin());
  std::vector<Recommendation> recommendations;
  for (int64_t item : top_k(row, num_items, std::min(k, unseen))) {
    recommendations.push_back({raw_id(saved.items, item), row[item]});
  }
  return recommendations;
}

}  // namespace spotlight
