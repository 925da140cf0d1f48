#include "spotlight/framework/data/interactions.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <unordered_map>

#include "spotlight/sdk/errors.h"

namespace spotlight {

namespace {

template <class Column>
void check_length(const Column& column, size_t expected, const char* name) {
  if (!column.empty() && column.size() != expected) {
    throw DataError(std::string("interactions: ") + name + " has " + std::to_string(column.size()) +
                    " entries but there are " + std::to_string(expected) + " interactions");
  }
}

template <class Column>
Column pick(const Column& column, const std::vector<size_t>& rows) {
  if (column.empty()) return {};
  Column picked(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) picked[i] = column[rows[i]];
  return picked;
}

}  // namespace

void Interactions::validate() const {
  const size_t n = user_ids.size();
  if (item_ids.size() != n) {
    throw DataError("interactions: item_ids has " + std::to_string(item_ids.size()) + " entries but user_ids has " +
                    std::to_string(n));
  }
  check_length(ratings, n, "ratings");
  check_length(timestamps, n, "timestamps");
  check_length(weights, n, "weights");
  if (num_users < 0 || num_items < 0) throw DataError("interactions: num_users and num_items must not be negative");
  for (size_t row = 0; row < n; ++row) {
    if (user_ids[row] < 0 || user_ids[row] >= num_users) {
      throw DataError("interactions: row " + std::to_string(row) + ": user id " + std::to_string(user_ids[row]) +
                      " is outside [0, " + std::to_string(num_users) + ")");
    }
    if (item_ids[row] < 0 || item_ids[row] >= num_items) {
      throw DataError("interactions: row " + std::to_string(row) + ": item id " + std::to_string(item_ids[row]) +
                      " is outside [0, " + std::to_string(num_items) + ")");
    }
    if (!ratings.empty() && !std::isfinite(ratings[row])) {
      throw DataError("interactions: row " + std::to_string(row) + ": rating is not a finite number");
    }
    if (!weights.empty() && !std::isfinite(weights[row])) {
      throw DataError("interactions: row " + std::to_string(row) + ": weight is not a finite number");
    }
  }
}

Interactions Interactions::select(const std::vector<size_t>& rows) const {
  Interactions selected;
  selected.num_users = num_users;
  selected.num_items = num_items;
  selected.user_ids = pick(user_ids, rows);
  selected.item_ids = pick(item_ids, rows);
  selected.ratings = pick(ratings, rows);
  selected.timestamps = pick(timestamps, rows);
  selected.weights = pick(weights, rows);
  selected.users = users;
  selected.items = items;
  return selected;
}

namespace {

// The rows of `data` grouped by user, items ascending within a user, repeated items in their
// original order: a stable counting sort by item, whose rows are then dealt to their users'
// slots in that order, with no comparisons. Row numbers are `Row`s, 4 bytes when they fit.
template <typename Row>
void fill_matrix(const Interactions& data, InteractionMatrix& matrix) {
  std::vector<int64_t> item_starts(static_cast<size_t>(data.num_items) + 1, 0);
  for (int64_t item : data.item_ids) ++item_starts[static_cast<size_t>(item) + 1];
  std::partial_sum(item_starts.begin(), item_starts.end(), item_starts.begin());
  std::vector<Row> by_item(data.size());
  for (size_t row = 0; row < data.size(); ++row) {
    by_item[static_cast<size_t>(item_starts[static_cast<size_t>(data.item_ids[row])]++)] = static_cast<Row>(row);
  }
  std::vector<int64_t> next(matrix.row_offsets.begin(), matrix.row_offsets.end() - 1);
  matrix.item_ids.resize(data.size());
  if (!data.has_ratings()) {
    for (Row row : by_item) {
      matrix.item_ids[static_cast<size_t>(next[static_cast<size_t>(data.user_ids[row])]++)] = data.item_ids[row];
    }
    return;
  }
  matrix.ratings.resize(data.size());
  for (Row row : by_item) {
    const auto slot = static_cast<size_t>(next[static_cast<size_t>(data.user_ids[row])]++);
    matrix.item_ids[slot] = data.item_ids[row];
    matrix.ratings[slot] = data.ratings[row];
  }
}

}  // namespace

InteractionMatrix Interactions::to_matrix() const {
  InteractionMatrix matrix;
  matrix.num_users = num_users;
  matrix.num_items = num_items;
  matrix.row_offsets.assign(static_cast<size_t>(num_users) + 1, 0);
  for (int64_t user : user_ids) ++matrix.row_offsets[static_cast<size_t>(user) + 1];
  std::partial_sum(matrix.row_offsets.begin(), matrix.row_offsets.end(), matrix.row_offsets.begin());
  if (size() <= std::numeric_limits<uint32_t>::max()) {
    fill_matrix<uint32_t>(*this, matrix);
  } else {
    fill_matrix<size_t>(*this, matrix);
  }
  return matrix;
}

namespace {

// Dense ids of `data` -> dense ids of the model, or -1 for an id the model does not know.
std::vector<int64_t> id_translation(const IdMap& data_map, int64_t data_count, const IdMap& model_map,
                                    int64_t model_count) {
  std::unordered_map<std::string, int64_t> model_ids;
  for (size_t id = 0; id < model_map.raw_ids.size(); ++id) {
    if (!model_map.raw_ids[id].empty()) model_ids.emplace(model_map.raw_ids[id], static_cast<int64_t>(id));
  }
  std::vector<int64_t> translation(static_cast<size_t>(data_count), -1);
  for (int64_t id = 0; id < data_count; ++id) {
    const std::string raw = data_map.empty() ? std::to_string(id) : data_map.raw_ids[static_cast<size_t>(id)];
    if (model_map.empty()) {
      int64_t number = -1;
      const auto [end, error] = std::from_chars(raw.data(), raw.data() + raw.size(), number);
      if (error == std::errc() && end == raw.data() + raw.size() && number >= 0 && number < model_count) {
        translation[static_cast<size_t>(id)] = number;
      }
    } else if (auto found = model_ids.find(raw); found != model_ids.end()) {
      translation[static_cast<size_t>(id)] = found->second;
    }
  }
  return translation;
}

}  // namespace

size_t remap_to_model(Interactions& data, const IdMap& model_users, const IdMap& model_items, int64_t num_users,
                      int64_t num_items) {
  const auto users = id_translation(data.users, data.num_users, model_users, num_users);
  const auto items = id_translation(data.items, data.num_items, model_items, num_items);
  std::vector<size_t> kept;
  for (size_t row = 0; row < data.size(); ++row) {
    if (users[static_cast<size_t>(data.user_ids[row])] >= 0 && items[static_cast<size_t>(data.item_ids[row])] >= 0) {
      kept.push_back(row);
    }
  }
  Interactions remapped = data.select(kept);
  for (auto& user : remapped.user_ids) user = users[static_cast<size_t>(user)];
  for (auto& item : remapped.item_ids) item = items[static_cast<size_t>(item)];
  remapped.num_users = num_users;
  remapped.num_items = num_items;
  remapped.users = model_users;
  remapped.items = model_items;
  const size_t dropped = data.size() - kept.size();
  data = std::move(remapped);
  return dropped;
}

}  // namespace spotlight
