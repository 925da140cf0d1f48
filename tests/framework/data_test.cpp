#include <algorithm>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "spotlight/framework/data/interactions.h"
#include "spotlight/framework/data/split.h"
#include "spotlight/framework/data/synthetic.h"
#include "spotlight/sdk/errors.h"

namespace spotlight {
namespace {

Interactions small() {
  Interactions data;
  data.num_users = 3;
  data.num_items = 5;
  data.user_ids = {2, 0, 2, 1, 0};
  data.item_ids = {4, 3, 1, 0, 1};
  data.ratings = {5, 4, 3, 2, 1};
  return data;
}

std::string validation_error(const Interactions& data) {
  try {
    data.validate();
  } catch (const DataError& error) {
    return error.what();
  }
  return "";
}

TEST(Interactions, ValidationNamesTheRow) {
  auto data = small();
  EXPECT_EQ(validation_error(data), "");
  data.item_ids[3] = 5;
  EXPECT_EQ(validation_error(data), "interactions: row 3: item id 5 is outside [0, 5)");
  data = small();
  data.user_ids[1] = -1;
  EXPECT_EQ(validation_error(data), "interactions: row 1: user id -1 is outside [0, 3)");
  data = small();
  data.ratings[2] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(validation_error(data), "interactions: row 2: rating is not a finite number");
  data = small();
  data.ratings.pop_back();
  EXPECT_EQ(validation_error(data), "interactions: ratings has 4 entries but there are 5 interactions");
}

TEST(Interactions, MatrixGroupsByUserWithItemsAscending) {
  auto matrix = small().to_matrix();
  EXPECT_EQ(matrix.row_offsets, (std::vector<int64_t>{0, 2, 3, 5}));
  EXPECT_EQ(matrix.item_ids, (std::vector<int64_t>{1, 3, 0, 1, 4}));
  EXPECT_EQ(matrix.ratings, (std::vector<float>{1, 4, 2, 3, 5}));
  EXPECT_EQ(matrix.row_size(1), 1);
}

TEST(Split, RandomSplitIsAReproduciblePartition) {
  RandomDataOptions options;
  options.num_interactions = 1000;
  const auto data = generate_random(options);
  const auto a = random_train_test_split(data, 0.2, 5);
  const auto b = random_train_test_split(data, 0.2, 5);
  const auto c = random_train_test_split(data, 0.2, 6);
  EXPECT_EQ(a.train.size(), 800u);  // floor(0.8 * 1000)
  EXPECT_EQ(a.test.size(), 200u);
  EXPECT_EQ(a.test.user_ids, b.test.user_ids);
  EXPECT_EQ(a.test.item_ids, b.test.item_ids);
  EXPECT_NE(a.test.item_ids, c.test.item_ids);
  // Together they hold exactly the original multiset of (user, item, timestamp).
  std::multiset<std::tuple<int64_t, int64_t, int64_t>> original, joined;
  for (size_t i = 0; i < data.size(); ++i) original.emplace(data.user_ids[i], data.item_ids[i], data.timestamps[i]);
  for (const auto* part : {&a.train, &a.test}) {
    for (size_t i = 0; i < part->size(); ++i) joined.emplace(part->user_ids[i], part->item_ids[i], part->timestamps[i]);
  }
  EXPECT_EQ(original, joined);
  EXPECT_EQ(a.train.num_users, data.num_users);
  EXPECT_EQ(a.test.num_items, data.num_items);
}

TEST(Split, UserBasedSplitKeepsEachUserOnOneSide) {
  RandomDataOptions options;
  options.num_users = 500;
  options.num_interactions = 20000;
  const auto data = generate_random(options);
  const auto split = user_based_train_test_split(data, 0.25, 3);
  std::set<int64_t> train_users(split.train.user_ids.begin(), split.train.user_ids.end());
  std::set<int64_t> test_users(split.test.user_ids.begin(), split.test.user_ids.end());
  for (int64_t user : test_users) EXPECT_EQ(train_users.count(user), 0u) << user;
  // About a quarter of the users: Binomial(500, 0.25) has sd ~ 9.7.
  EXPECT_NEAR(static_cast<double>(test_users.size()), 125.0, 40.0);
  const auto again = user_based_train_test_split(data, 0.25, 3);
  EXPECT_EQ(split.test.user_ids, again.test.user_ids);
}

// One interaction for each of users 1..count, its item the position.
Interactions one_per_user(int64_t count) {
  Interactions data;
  data.num_users = count + 1;
  data.num_items = count;
  for (int64_t i = 0; i < count; ++i) {
    data.user_ids.push_back(i + 1);
    data.item_ids.push_back(i);
  }
  return data;
}

// Spotlight's splits, reproduced: the expected rows were printed by NumPy 1.24 and
// scikit-learn 1.2 (Debian 12), e.g. `r = np.random.RandomState(7); a = np.arange(10);
// r.shuffle(a)` and `murmurhash3_32(users, seed=RandomState(42).randint(0, 2**32 - 1,
// dtype=np.int64), positive=True) % 100 / 100 < 0.3`.
TEST(Split, RandomSplitShufflesAsNumpysRandomState) {
  const auto split = random_train_test_split(one_per_user(10), 0.2, 7);
  EXPECT_EQ(split.train.item_ids, (std::vector<int64_t>{8, 5, 0, 2, 1, 9, 7, 3}));
  EXPECT_EQ(split.test.item_ids, (std::vector<int64_t>{6, 4}));
  const auto largest_seed = random_train_test_split(one_per_user(12), 0.25, 0xFFFFFFFFull);
  EXPECT_EQ(largest_seed.train.item_ids, (std::vector<int64_t>{11, 8, 5, 9, 1, 10, 6, 0, 4}));
  EXPECT_EQ(random_train_test_split(one_per_user(5), 0.2, 0).train.item_ids, (std::vector<int64_t>{2, 0, 1, 3}));
}

TEST(Split, UserBasedSplitHashesUsersAsSpotlight) {
  const auto split = user_based_train_test_split(one_per_user(20), 0.3, 42);
  EXPECT_EQ(split.test.user_ids, (std::vector<int64_t>{1, 11, 14, 17, 19}));
  EXPECT_EQ(split.train.size(), 15u);
}

TEST(Split, FractionMustBeInsideTheUnitInterval) {
  EXPECT_THROW(random_train_test_split(small(), 0.0, 1), DataError);
  EXPECT_THROW(user_based_train_test_split(small(), 1.0, 1), DataError);
}

TEST(Synthetic, SequentialDataNeverUsesThePaddingItem) {
  SequentialDataOptions options;
  options.num_users = 20;
  options.num_items = 50;
  options.num_interactions = 5000;
  const auto data = generate_sequential(options);
  data.validate();
  EXPECT_EQ(data.size(), 5000u);
  EXPECT_TRUE(std::is_sorted(data.user_ids.begin(), data.user_ids.end()));
  EXPECT_EQ(*std::min_element(data.item_ids.begin(), data.item_ids.end()), 1);
  EXPECT_EQ(data.timestamps.back(), 4999);
  const auto again = generate_sequential(options);
  EXPECT_EQ(data.item_ids, again.item_ids);
}

// With a tiny concentration every transition row puts nearly all its mass on one item,
// so given the previous `order` items the next one is nearly determined; with a large
// concentration it is close to uniform.
double predictability(double concentration) {
  SequentialDataOptions options;
  options.num_items = 101;
  options.num_interactions = 20000;
  options.order = 1;
  options.concentration = concentration;
  const auto data = generate_sequential(options);
  std::map<int64_t, std::map<int64_t, int>> follows;
  for (size_t i = 1; i < data.size(); ++i) ++follows[data.item_ids[i - 1]][data.item_ids[i]];
  int best = 0;
  for (const auto& [previous, counts] : follows) {
    int most = 0;
    for (const auto& [next, count] : counts) most = std::max(most, count);
    best += most;
  }
  return static_cast<double>(best) / static_cast<double>(data.size() - 1);
}

TEST(Synthetic, LowConcentrationMakesTheNextItemPredictable) {
  // With concentration 0.01 over 100 items the largest share of a row is on average ~0.6
  // (stick breaking with total concentration 1: the Golomb-Dickman constant, 0.62).
  EXPECT_GT(predictability(0.01), 0.5);
  EXPECT_LT(predictability(100.0), 0.2);
}

TEST(Synthetic, ClusteredRandomDataPrefersTheFavouriteCluster) {
  RandomDataOptions options;
  options.num_users = 50;
  options.num_items = 100;
  options.num_interactions = 20000;
  options.num_clusters = 10;
  options.affinity = 0.9;
  const auto data = generate_random(options);
  // For each user the most common cluster should hold ~ 0.9 + 0.1 / 10 = 91% of its items.
  std::map<int64_t, std::map<int64_t, int>> clusters;
  std::map<int64_t, int> totals;
  for (size_t i = 0; i < data.size(); ++i) {
    ++clusters[data.user_ids[i]][data.item_ids[i] % 10];
    ++totals[data.user_ids[i]];
  }
  for (const auto& [user, counts] : clusters) {
    int most = 0;
    for (const auto& [cluster, count] : counts) most = std::max(most, count);
    EXPECT_NEAR(static_cast<double>(most) / totals[user], 0.91, 0.08) << "user " << user;
  }
}

}  // namespace
}  // namespace spotlight

#include "spotlight/framework/data/sequences.h"

namespace spotlight {
namespace {

Interactions one_user_items(std::vector<int64_t> items) {
  Interactions data;
  data.num_users = 1;
  data.num_items = 10;
  data.item_ids = std::move(items);
  data.user_ids.assign(data.item_ids.size(), 0);
  for (size_t i = 0; i < data.item_ids.size(); ++i) data.timestamps.push_back(static_cast<int64_t>(i));
  return data;
}

std::vector<std::vector<int64_t>> rows(const SequenceMatrix& sequences) {
  std::vector<std::vector<int64_t>> result;
  for (int64_t i = 0; i < sequences.num_sequences(); ++i) {
    result.emplace_back(sequences.row(i), sequences.row(i) + sequences.length);
  }
  return result;
}

// The examples of Spotlight's documentation of to_sequence.
TEST(ToSequence, StepOneSlidesOneItemAtATime) {
  SequenceOptions options;
  options.max_length = 5;
  options.step_size = 1;
  auto sequences = to_sequence(one_user_items({1, 2, 3, 4, 5}), options);
  EXPECT_EQ(rows(sequences), (std::vector<std::vector<int64_t>>{
                                 {1, 2, 3, 4, 5}, {0, 1, 2, 3, 4}, {0, 0, 1, 2, 3}, {0, 0, 0, 1, 2}, {0, 0, 0, 0, 1}}));
  EXPECT_EQ(sequences.user_ids, (std::vector<int64_t>{0, 0, 0, 0, 0}));
  EXPECT_EQ(sequences.num_items, 10);
}

TEST(ToSequence, StepTwoAndTheMinimumLength) {
  SequenceOptions options;
  options.max_length = 5;
  options.step_size = 2;
  EXPECT_EQ(rows(to_sequence(one_user_items({1, 2, 3, 4, 5}), options)),
            (std::vector<std::vector<int64_t>>{{1, 2, 3, 4, 5}, {0, 0, 1, 2, 3}, {0, 0, 0, 0, 1}}));
  options.min_length = 3;
  EXPECT_EQ(rows(to_sequence(one_user_items({1, 2, 3, 4, 5}), options)),
            (std::vector<std::vector<int64_t>>{{1, 2, 3, 4, 5}, {0, 0, 1, 2, 3}}));
}

TEST(ToSequence, DefaultStepGivesNonOverlappingWindowsFromTheNewest) {
  SequenceOptions options;
  options.max_length = 3;
  EXPECT_EQ(rows(to_sequence(one_user_items({1, 2, 3, 4, 5, 6, 7}), options)),
            (std::vector<std::vector<int64_t>>{{5, 6, 7}, {2, 3, 4}, {0, 0, 1}}));
}

TEST(ToSequence, SortsByUserThenTimestampKeepingTies) {
  Interactions data;
  data.num_users = 3;
  data.num_items = 10;
  data.user_ids = {2, 0, 2, 0, 2};
  data.item_ids = {7, 1, 8, 2, 9};
  data.timestamps = {5, 9, 1, 3, 5};
  SequenceOptions options;
  options.max_length = 4;
  auto sequences = to_sequence(data, options);
  // User 0: item 2 (t=3) then 1 (t=9). User 2: 8 (t=1), then 7 and 9 tied at t=5 in input order.
  EXPECT_EQ(rows(sequences), (std::vector<std::vector<int64_t>>{{0, 0, 2, 1}, {0, 8, 7, 9}}));
  EXPECT_EQ(sequences.user_ids, (std::vector<int64_t>{0, 2}));
}

TEST(ToSequence, RefusesThePaddingItemAndMissingTimestamps) {
  SequenceOptions options;
  try {
    to_sequence(one_user_items({3, 0, 4}), options);
    FAIL();
  } catch (const DataError& error) {
    EXPECT_STREQ(error.what(), "to_sequence: row 1: item id 0 is the padding id of sequences and cannot be a real item");
  }
  auto without_time = one_user_items({1, 2});
  without_time.timestamps.clear();
  EXPECT_THROW(to_sequence(without_time, options), DataError);
  options.min_length = 11;
  EXPECT_THROW(to_sequence(one_user_items({1, 2}), options), DataError);
}

TEST(Synthetic, TransitionsAreBalancedSoNoItemDominates) {
  SequentialDataOptions options;
  options.num_items = 51;
  options.num_interactions = 50000;
  options.concentration = 1.0;
  const auto data = generate_sequential(options);
  std::vector<int> counts(51, 0);
  for (int64_t item : data.item_ids) ++counts[static_cast<size_t>(item)];
  // A doubly stochastic chain has a uniform stationary distribution: ~1000 per item.
  for (size_t item = 1; item < counts.size(); ++item) EXPECT_NEAR(counts[item], 1000, 150) << item;
}

}  // namespace
}  // namespace spotlight

namespace spotlight {
namespace {

TEST(ReservePaddingItem, ShiftsDenselyMappedItemsUpByOne) {
  Interactions data;
  data.num_users = 2;
  data.num_items = 3;
  data.user_ids = {0, 1, 1};
  data.item_ids = {0, 2, 1};
  data.timestamps = {1, 2, 3};
  data.items.raw_ids = {"a", "b", "c"};
  reserve_padding_item(data);
  EXPECT_EQ(data.num_items, 4);
  EXPECT_EQ(data.item_ids, (std::vector<int64_t>{1, 3, 2}));
  EXPECT_EQ(data.items.raw_ids, (std::vector<std::string>{"", "a", "b", "c"}));
  data.validate();
  // The first item is now a real item of a sequence, not padding.
  const auto sequences = to_sequence(data, {2, std::nullopt, std::nullopt});
  EXPECT_EQ(sequences.item_ids, (std::vector<int64_t>{0, 1, 3, 2}));
}

TEST(ReservePaddingItem, LeavesRawIdsAloneSoARealItemZeroIsRefused) {
  Interactions data;
  data.num_users = 1;
  data.num_items = 3;
  data.user_ids = {0, 0};
  data.item_ids = {2, 0};
  data.timestamps = {1, 2};
  reserve_padding_item(data);
  EXPECT_EQ(data.item_ids, (std::vector<int64_t>{2, 0}));
  try {
    to_sequence(data, {});
    FAIL() << "item 0 was accepted";
  } catch (const DataError& error) {
    EXPECT_STREQ(error.what(), "to_sequence: row 1: item id 0 is the padding id of sequences and cannot be a real item");
  }
}

}  // namespace
}  // namespace spotlight

namespace spotlight {
namespace {

TEST(RemapToModel, MatchesUsersAndItemsByRawIdAndDropsStrangers) {
  // New data, densely numbered in its own order of appearance.
  Interactions data;
  data.num_users = 3;
  data.num_items = 3;
  data.user_ids = {0, 1, 2, 0};
  data.item_ids = {0, 1, 2, 2};
  data.users.raw_ids = {"bob", "zoe", "ann"};
  data.items.raw_ids = {"x", "y", "w"};
  // The model knew ann=0, bob=1 and items "", w=1, x=2, y=3 (a sequence model's padding first).
  IdMap users{{"ann", "bob"}}, items{{"", "w", "x", "y"}};
  const size_t dropped = remap_to_model(data, users, items, 2, 4);
  EXPECT_EQ(dropped, 1u);  // zoe is unknown
  EXPECT_EQ(data.user_ids, (std::vector<int64_t>{1, 0, 1}));
  EXPECT_EQ(data.item_ids, (std::vector<int64_t>{2, 1, 1}));
  EXPECT_EQ(data.num_users, 2);
  EXPECT_EQ(data.num_items, 4);
  EXPECT_EQ(data.users.raw_ids, users.raw_ids);
  data.validate();
}

TEST(RemapToModel, RawNumericIdsOnEitherSide) {
  Interactions data;
  data.num_users = 2;
  data.num_items = 2;
  data.user_ids = {0, 1};
  data.item_ids = {0, 1};
  data.users.raw_ids = {"7", "12"};  // a densely mapped file with numeric ids
  data.items.raw_ids = {"3", "5"};
  // A model trained on raw ids knows users 0..9 and items 0..4.
  EXPECT_EQ(remap_to_model(data, {}, {}, 10, 5), 1u);  // user 12 and item 5 are out of range
  EXPECT_EQ(data.user_ids, (std::vector<int64_t>{7}));
  EXPECT_EQ(data.item_ids, (std::vector<int64_t>{3}));
}

}  // namespace
}  // namespace spotlight
