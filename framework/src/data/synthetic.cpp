#include "spotlight/framework/data/synthetic.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "spotlight/framework/data/memory_budget.h"
#include "spotlight/sdk/errors.h"
#include "spotlight/sdk/random.h"

namespace spotlight {

namespace {

// Row-wise cumulative transition probabilities: num_states rows of Dirichlet(concentration),
// then made (nearly) doubly stochastic as Spotlight does, so no item is favoured overall.
std::vector<double> cumulative_transitions(int64_t num_states, double concentration, Random& random) {
  const auto n = static_cast<size_t>(num_states);
  std::vector<double> matrix(n * n);
  std::vector<double> logs(n);
  for (size_t row = 0; row < n; ++row) {
    double largest = -INFINITY;
    for (auto& value : logs) {
      value = random.log_gamma(concentration);
      largest = std::max(largest, value);
    }
    double total = 0.0;
    for (size_t column = 0; column < n; ++column) total += matrix[row * n + column] = std::exp(logs[column] - largest);
    for (size_t column = 0; column < n; ++column) matrix[row * n + column] /= total;
  }
  // Sinkhorn balancing: alternately normalise columns and rows, at most 100 rounds, until
  // every sum is within 1e-3 of 1. A column no row reaches stays empty.
  std::vector<double> column_sums(n), row_sums(n);
  for (int round = 0; round < 100; ++round) {
    std::fill(column_sums.begin(), column_sums.end(), 0.0);
    std::fill(row_sums.begin(), row_sums.end(), 0.0);
    for (size_t row = 0; row < n; ++row) {
      for (size_t column = 0; column < n; ++column) {
        column_sums[column] += matrix[row * n + column];
        row_sums[row] += matrix[row * n + column];
      }
    }
    auto balanced = [](const std::vector<double>& sums) {
      return std::all_of(sums.begin(), sums.end(), [](double sum) { return std::abs(1.0 - sum) < 1e-3; });
    };
    if (balanced(column_sums) && balanced(row_sums)) break;
    for (size_t row = 0; row < n; ++row) {
      for (size_t column = 0; column < n; ++column) {
        if (column_sums[column] > 0) matrix[row * n + column] /= column_sums[column];
      }
    }
    for (size_t row = 0; row < n; ++row) {
      double total = 0.0;
      for (size_t column = 0; column < n; ++column) total += matrix[row * n + column];
      for (size_t column = 0; column < n; ++column) matrix[row * n + column] /= total;
    }
  }
  for (size_t row = 0; row < n; ++row) {
    std::partial_sum(matrix.begin() + static_cast<std::ptrdiff_t>(row * n),
                     matrix.begin() + static_cast<std::ptrdiff_t>((row + 1) * n),
                     matrix.begin() + static_cast<std::ptrdiff_t>(row * n));
  }
  return matrix;
}

// A generated interaction's columns: user, item and timestamp (int64), rating (float), with
// room for the split's copy.
constexpr uint64_t kBytesPerInteraction = 2 * (3 * sizeof(int64_t) + sizeof(float));

void require(bool condition, const std::string& message) {
  if (!condition) throw DataError(message);
}

}  // namespace

Interactions generate_sequential(const SequentialDataOptions& options) {
  require(options.num_users > 0, "generate_sequential: num_users must be positive");
  require(options.num_items > 1, "generate_sequential: num_items must be at least 2 (item 0 is padding)");
  require(options.num_interactions > 0, "generate_sequential: num_interactions must be positive");
  require(options.concentration > 0, "generate_sequential: concentration must be positive");
  require(options.order > 0, "generate_sequential: order must be positive");
  // A dense transition matrix of num_items^2 doubles, then the interactions' columns.
  require_memory("synthetic_sequential: the transition matrix of " + std::to_string(options.num_items) + " items",
                 {static_cast<uint64_t>(options.num_items), static_cast<uint64_t>(options.num_items), sizeof(double)});
  require_memory("synthetic_sequential: " + std::to_string(options.num_interactions) + " interactions",
                 {static_cast<uint64_t>(options.num_interactions), kBytesPerInteraction});
  Random random(options.seed);
  const int64_t num_states = options.num_items - 1;
  const auto transitions = cumulative_transitions(num_states, options.concentration, random);

  Interactions data;
  data.num_users = options.num_users;
  data.num_items = options.num_items;
  const auto n = static_cast<size_t>(options.num_interactions);
  data.user_ids.resize(n);
  for (auto& user : data.user_ids) user = static_cast<int64_t>(random.below(static_cast<uint64_t>(options.num_users)));
  std::sort(data.user_ids.begin(), data.user_ids.end());

  // The next state follows the mean of the transition rows of the last `order` states.
  // Drawing one of those rows uniformly and then sampling from it gives that distribution.
  std::vector<int64_t> window(static_cast<size_t>(options.order));
  for (auto& state : window) state = static_cast<int64_t>(random.below(static_cast<uint64_t>(num_states)));
  data.item_ids.resize(n);
  for (size_t step = 0; step < n; ++step) {
    const int64_t source = window[random.below(window.size())];
    const double* row = transitions.data() + source * num_states;
    const double draw = random.uniform();
    int64_t next = std::lower_bound(row, row + num_states, draw) - row;
    next = std::min(next, num_states - 1);
    std::rotate(window.begin(), window.begin() + 1, window.end());
    window.back() = next;
    data.item_ids[step] = next + 1;
  }
  data.timestamps.resize(n);
  for (size_t step = 0; step < n; ++step) data.timestamps[step] = static_cast<int64_t>(step);
  data.ratings.assign(n, 1.0f);
  return data;
}

Interactions generate_random(const RandomDataOptions& options) {
  require(options.num_users > 0, "generate_random: num_users must be positive");
  require(options.num_items > 0, "generate_random: num_items must be positive");
  require(options.num_interactions > 0, "generate_random: num_interactions must be positive");
  require(options.num_clusters >= 0 && options.num_clusters <= options.num_items,
          "generate_random: num_clusters must be from 0 to num_items");
  require(options.affinity >= 0 && options.affinity <= 1, "generate_random: affinity must be from 0 to 1");
  require_memory("synthetic: " + std::to_string(options.num_interactions) + " interactions",
                 {static_cast<uint64_t>(options.num_interactions), kBytesPerInteraction});
  require_memory("synthetic: " + std::to_string(options.num_users) + " users",
                 {static_cast<uint64_t>(options.num_users), sizeof(int64_t)});
  Random random(options.seed);
  const auto users = static_cast<uint64_t>(options.num_users);
  const auto items = static_cast<uint64_t>(options.num_items);

  std::vector<int64_t> favourite(users, 0);
  if (options.num_clusters > 0) {
    for (auto& cluster : favourite) cluster = static_cast<int64_t>(random.below(static_cast<uint64_t>(options.num_clusters)));
  }
  Interactions data;
  data.num_users = options.num_users;
  data.num_items = options.num_items;
  const auto n = static_cast<size_t>(options.num_interactions);
  data.user_ids.resize(n);
  data.item_ids.resize(n);
  for (size_t row = 0; row < n; ++row) {
    const auto user = static_cast<int64_t>(random.below(users));
    int64_t item;
    if (options.num_clusters > 0 && random.uniform() < options.affinity) {
      // Items of cluster c are those with item % num_clusters == c.
      const int64_t cluster = favourite[static_cast<size_t>(user)];
      const int64_t cluster_size = (options.num_items - cluster + options.num_clusters - 1) / options.num_clusters;
      item = cluster + options.num_clusters * static_cast<int64_t>(random.below(static_cast<uint64_t>(cluster_size)));
    } else {
      item = static_cast<int64_t>(random.below(items));
    }
    data.user_ids[row] = user;
    data.item_ids[row] = item;
  }
  data.ratings.assign(n, 1.0f);
  data.timestamps.resize(n);
  for (size_t row = 0; row < n; ++row) data.timestamps[row] = static_cast<int64_t>(row);
  return data;
}

}  // namespace spotlight
