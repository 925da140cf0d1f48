#include "spotlight/framework/data/split.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "spotlight/sdk/errors.h"
#include "src/data/numpy_random_state.h"

namespace spotlight {

namespace {

void check_fraction(double test_fraction) {
  if (!(test_fraction > 0.0 && test_fraction < 1.0)) {
    throw DataError("split: test_fraction must be between 0 and 1 (exclusive), got " + std::to_string(test_fraction));
  }
}

// Which rows go where, in order: `train_count` row numbers for train, then the test rows.
template <typename Row>
struct RowAssignment {
  std::vector<Row> rows;
  size_t train_count = 0;
};

// Moves one column's values into the two sides and frees the column.
template <typename T, typename Row>
void split_column(std::vector<T>& column, const RowAssignment<Row>& assignment, std::vector<T>& train,
                  std::vector<T>& test) {
  if (column.empty()) return;
  const Row* rows = assignment.rows.data();
  train.resize(assignment.train_count);
  for (size_t k = 0; k < train.size(); ++k) train[k] = column[rows[k]];
  test.resize(assignment.rows.size() - assignment.train_count);
  rows += assignment.train_count;
  for (size_t k = 0; k < test.size(); ++k) test[k] = column[rows[k]];
  std::vector<T>().swap(column);
}

// The split, taken column by column so that at most one column is held twice: at 100M
// interactions a whole second copy would be 2.8 GB.
template <typename Row>
TrainTestSplit take_rows(Interactions data, const RowAssignment<Row>& assignment) {
  TrainTestSplit split;
  for (Interactions* side : {&split.train, &split.test}) {
    side->num_users = data.num_users;
    side->num_items = data.num_items;
    side->users = data.users;
    side->items = data.items;
  }
  split_column(data.user_ids, assignment, split.train.user_ids, split.test.user_ids);
  split_column(data.item_ids, assignment, split.train.item_ids, split.test.item_ids);
  split_column(data.ratings, assignment, split.train.ratings, split.test.ratings);
  split_column(data.timestamps, assignment, split.train.timestamps, split.test.timestamps);
  split_column(data.weights, assignment, split.train.weights, split.test.weights);
  return split;
}

template <typename Row>
TrainTestSplit random_split(Interactions data, double test_fraction, uint64_t seed) {
  RowAssignment<Row> assignment;
  assignment.rows.resize(data.size());
  std::iota(assignment.rows.begin(), assignment.rows.end(), Row{0});
  NumpyRandomState(seed).shuffle(assignment.rows.data(), assignment.rows.size());
  assignment.train_count =
      static_cast<size_t>(std::floor((1.0 - test_fraction) * static_cast<double>(assignment.rows.size())));
  return take_rows(std::move(data), assignment);
}

template <typename Row>
TrainTestSplit user_based_split(Interactions data, double test_fraction, uint64_t seed) {
  // Spotlight draws the hash seed from RandomState(seed), hashes each user id as a 32-bit
  // integer and puts the user in test when (hash % 100) / 100 < test_fraction.
  const auto hash_seed = static_cast<uint32_t>(NumpyRandomState(seed).randint(0, 0xFFFFFFFFll));
  std::vector<bool> in_test(data.size());
  size_t test_count = 0;
  for (size_t row = 0; row < data.size(); ++row) {
    const uint32_t hash = murmurhash3_32(static_cast<int32_t>(data.user_ids[row]), hash_seed);
    in_test[row] = static_cast<double>(hash % 100) / 100.0 < test_fraction;
    test_count += in_test[row] ? 1 : 0;
  }
  RowAssignment<Row> assignment;
  assignment.rows.resize(data.size());
  assignment.train_count = data.size() - test_count;
  size_t next_train = 0, next_test = assignment.train_count;
  for (size_t row = 0; row < data.size(); ++row) {
    assignment.rows[in_test[row] ? next_test++ : next_train++] = static_cast<Row>(row);
  }
  return take_rows(std::move(data), assignment);
}

// Row numbers take 4 bytes each unless there are more rows than that counts.
bool fits_32_bits(const Interactions& data) { return data.size() <= std::numeric_limits<uint32_t>::max(); }

}  // namespace

TrainTestSplit random_train_test_split(Interactions interactions, double test_fraction, uint64_t seed) {
  check_fraction(test_fraction);
  if (fits_32_bits(interactions)) return random_split<uint32_t>(std::move(interactions), test_fraction, seed);
  return random_split<size_t>(std::move(interactions), test_fraction, seed);
}

TrainTestSplit user_based_train_test_split(Interactions interactions, double test_fraction, uint64_t seed) {
  check_fraction(test_fraction);
  if (fits_32_bits(interactions)) return user_based_split<uint32_t>(std::move(interactions), test_fraction, seed);
  return user_based_split<size_t>(std::move(interactions), test_fraction, seed);
}

TrainTestSplit split_as_configured(Interactions interactions, const nlohmann::json& split) {
  const double fraction = split.at("test_fraction").get<double>();
  const auto seed = split.at("seed").get<uint64_t>();
  if (split.at("type").get<std::string>() == "user_based") {
    return user_based_train_test_split(std::move(interactions), fraction, seed);
  }
  return random_train_test_split(std::move(interactions), fraction, seed);
}

}  // namespace spotlight
