#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "spotlight/framework/data/sequences.h"
#include "spotlight/framework/data/split.h"
#include "spotlight/framework/data/text_loaders.h"
#include "spotlight/sdk/errors.h"
#include "support/error_message.h"
#include "support/process.h"
#include "support/shared_data.h"

namespace spotlight {
namespace {

using testing::error_message;

DelimitedFileOptions csv_options() {
  DelimitedFileOptions options;
  options.header = true;
  options.user_column = "user";
  options.item_column = "item";
  options.rating_column = "stars";
  options.timestamp_column = "time";
  return options;
}

TEST(DelimitedFile, ReadsNamedColumnsAndMapsIdsInOrderOfAppearance) {
  testing::TemporaryDirectory folder;
  const auto file = folder.path() / "ratings.csv";
  testing::write_text(file, "time,user,item,stars\n10,alice,m9,4.5\n11,bob,m2,3\r\n12,alice,m2,1\n\n");
  auto loaded = load_delimited_file(file, csv_options());
  const auto& data = loaded.interactions;
  EXPECT_EQ(data.num_users, 2);
  EXPECT_EQ(data.num_items, 2);
  EXPECT_EQ(data.user_ids, (std::vector<int64_t>{0, 1, 0}));
  EXPECT_EQ(data.item_ids, (std::vector<int64_t>{0, 1, 1}));
  EXPECT_EQ(data.ratings, (std::vector<float>{4.5f, 3.0f, 1.0f}));
  EXPECT_EQ(data.timestamps, (std::vector<int64_t>{10, 11, 12}));
  EXPECT_EQ(data.users.raw_ids, (std::vector<std::string>{"alice", "bob"}));
  EXPECT_EQ(data.items.raw_ids, (std::vector<std::string>{"m9", "m2"}));
  EXPECT_EQ(loaded.skipped_lines, 0u);
}

// A file without a header: users in its first field and items in its second.
DelimitedFileOptions positional_options(const std::string& delimiter) {
  DelimitedFileOptions options;
  options.delimiter = delimiter;
  options.user_column = "0";
  options.item_column = "1";
  return options;
}

// SASRec's data files hold "user item" lines in time order, without timestamps.
TEST(DelimitedFile, RowsInTimeOrderTakeTheirPositionsAsTimestamps) {
  testing::TemporaryDirectory folder;
  const auto file = folder.path() / "sasrec.txt";
  testing::write_text(file, "1 30\n2 10\n1 20\n3\n1 10\n2 30\n");
  auto options = positional_options(" ");
  options.rows_in_time_order = true;
  options.malformed = MalformedLines::skip;
  auto loaded = load_delimited_file(file, options);
  const auto& data = loaded.interactions;
  // The skipped line takes no position: the kept rows are numbered 0..4.
  EXPECT_EQ(data.timestamps, (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(loaded.skipped_lines, 1u);

  // Dense ids: items 30, 10, 20 become 1, 2, 3 once 0 is freed for padding, so user 1 saw 30,
  // 20, 10 and user 2 saw 10, 30, in the order of their lines.
  Interactions shifted = data;
  reserve_padding_item(shifted);
  SequenceOptions windows;
  windows.max_length = 4;
  const SequenceMatrix sequences = to_sequence(shifted, windows);
  EXPECT_EQ(sequences.item_ids, (std::vector<int64_t>{0, 1, 3, 2, 0, 0, 2, 1}));

  options.timestamp_column = "1";
  EXPECT_EQ(error_message([&] { load_delimited_file(file, options); }),
            file.string() + ": both timestamp_column and rows_in_time_order given; the timestamps come from one of "
                            "them");
}

TEST(DelimitedFile, MalformedLinesNameFileAndLineOrAreSkippedAndCounted) {
  testing::TemporaryDirectory folder;
  const auto file = folder.path() / "ratings.csv";
  testing::write_text(file, "time,user,item,stars\n10,alice,m9,4.5\n11,bob,m2,lots\n12,carol\n13,dan,m1,nan\n14,eve,m1,2\n");
  EXPECT_EQ(error_message<DataError>([&] { load_delimited_file(file, csv_options()); }),
            file.string() + ":3: rating \"lots\" is not a number");
  auto options = csv_options();
  options.malformed = MalformedLines::skip;
  auto loaded = load_delimited_file(file, options);
  EXPECT_EQ(loaded.skipped_lines, 3u);
  EXPECT_EQ(loaded.interactions.users.raw_ids, (std::vector<std::string>{"alice", "eve"}));
  EXPECT_EQ(loaded.interactions.size(), 2u);
}

TEST(DelimitedFile, ColumnErrors) {
  testing::TemporaryDirectory folder;
  const auto file = folder.path() / "ratings.csv";
  testing::write_text(file, "u,i\n1,2\n");
  EXPECT_EQ(error_message<DataError>([&] { load_delimited_file(file, csv_options()); }),
            file.string() + ":1: no column named \"user\" (columns: u, i)");
  auto options = csv_options();
  options.header = false;
  EXPECT_EQ(error_message<DataError>([&] { load_delimited_file(file, options); }),
            file.string() + ": column \"user\" must be a 0-based position when there is no header");
  testing::write_text(file, "");
  EXPECT_EQ(error_message<DataError>([&] { load_delimited_file(file, csv_options()); }),
            file.string() + ": the file is empty; expected a header line");
  EXPECT_EQ(error_message<DataError>([&] { load_delimited_file(folder.path() / "absent.csv", csv_options()); }),
            (folder.path() / "absent.csv").string() + ": cannot open the data file");
}

TEST(DelimitedFile, RawIdsAreUsedAsTheyAre) {
  testing::TemporaryDirectory folder;
  const auto file = folder.path() / "u.data";
  testing::write_text(file, "3\t7\t5\t100\n1\t2\t4\t101\n");
  auto options = positional_options("\t");
  options.ids = IdMapping::raw;
  auto data = load_delimited_file(file, options).interactions;
  EXPECT_EQ(data.num_users, 4);
  EXPECT_EQ(data.num_items, 8);
  EXPECT_EQ(data.user_ids, (std::vector<int64_t>{3, 1}));
  EXPECT_TRUE(data.users.empty());
  testing::write_text(file, "-3\t7\t5\t100\n");
  EXPECT_EQ(error_message<DataError>([&] { load_delimited_file(file, options); }), file.string() + ":1: user id -3 is negative");
  testing::write_text(file, "x\t7\t5\t100\n");
  EXPECT_EQ(error_message<DataError>([&] { load_delimited_file(file, options); }), file.string() + ":1: user \"x\" is not a number");
}

// Found by fuzzing (delimited_file): the largest int64 id made "largest + 1" overflow.
TEST(DelimitedFile, RawIdsStayWithinThirtyOneBits) {
  testing::TemporaryDirectory folder;
  const auto file = folder.path() / "u.data";
  auto options = positional_options("\t");
  options.ids = IdMapping::raw;
  testing::write_text(file, "2147483647\t1\n");
  EXPECT_EQ(load_delimited_file(file, options).interactions.num_users, 2147483648);
  testing::write_text(file, "1\t2\n9223372036854775807\t1\n");
  EXPECT_EQ(error_message<DataError>([&] { load_delimited_file(file, options); }),
            file.string() +
                ":2: user id 9223372036854775807 is above 2147483647, the largest raw id; use \"ids\": \"dense\"");
  options.malformed = MalformedLines::skip;
  const auto loaded = load_delimited_file(file, options);
  EXPECT_EQ(loaded.skipped_lines, 1u);
  EXPECT_EQ(loaded.interactions.num_users, 2);
}

// Found by fuzzing (delimited_file): a position is also the number of fields every line is
// cut into, and 978302109 asked for 15 GB.
TEST(DelimitedFile, ColumnPositionsAreBounded) {
  testing::TemporaryDirectory folder;
  const auto file = folder.path() / "ratings.dat";
  testing::write_text(file, "1::2::5\n");
  auto options = positional_options("::");
  options.rating_column = "978302109";
  EXPECT_EQ(error_message<DataError>([&] { load_delimited_file(file, options); }),
            file.string() + ": column position 978302109 is too large; positions go up to 65535");
  options.rating_column = "65535";
  EXPECT_EQ(error_message<DataError>([&] { load_delimited_file(file, options); }),
            file.string() + ":1: expected at least 65536 fields separated by \"::\", got 3");
}

// Found by fuzzing (delimited_file, which checks that raw ids can be written to JSON): a
// Latin-1 id loaded, trained, and then made writing checkpoint.json throw.
TEST(DelimitedFile, TextIdsMustBeUtf8) {
  testing::TemporaryDirectory folder;
  const auto file = folder.path() / "ratings.csv";
  testing::write_text(file, "user,item\nren\xc3\xa9,a\n\xe9t\xe9,b\nx,\xff\n");
  DelimitedFileOptions options;
  options.header = true;
  options.user_column = "user";
  options.item_column = "item";
  EXPECT_EQ(error_message<DataError>([&] { load_delimited_file(file, options); }),
            file.string() + ":3: user id is not UTF-8 text; convert the file to UTF-8 (e.g. iconv -f latin1 -t utf-8)");
  options.malformed = MalformedLines::skip;
  const auto loaded = load_delimited_file(file, options);
  EXPECT_EQ(loaded.skipped_lines, 2u);
  EXPECT_EQ(loaded.interactions.users.raw_ids, (std::vector<std::string>{"ren\xc3\xa9"}));
}

// RFC 4180: a quoted field holds the delimiter, doubled quotes and line breaks; the columns
// after it stay where they are (a title with a comma used to shift every column).
TEST(DelimitedFile, QuotedFieldsFollowRfc4180) {
  testing::TemporaryDirectory folder;
  const auto file = folder.path() / "ratings.csv";
  testing::write_text(file,
                      "\"user\",title,item,\"stars\",time\n"
                      "alice,\"Toy Story, The\",m1,4,10\n"
                      "bob,\"say \"\"hi\"\"\nand, bye\",m2,3,11\r\n"
                      "\"carol, jr\", plain ,\"m,3\",\"5\",12\n"
                      "alice,,m2,2,13\n");
  auto loaded = load_delimited_file(file, csv_options());
  const auto& data = loaded.interactions;
  EXPECT_EQ(data.user_ids, (std::vector<int64_t>{0, 1, 2, 0}));
  EXPECT_EQ(data.item_ids, (std::vector<int64_t>{0, 1, 2, 1}));
  EXPECT_EQ(data.ratings, (std::vector<float>{4, 3, 5, 2}));
  EXPECT_EQ(data.timestamps, (std::vector<int64_t>{10, 11, 12, 13}));
  EXPECT_EQ(data.users.raw_ids, (std::vector<std::string>{"alice", "bob", "carol, jr"}));
  EXPECT_EQ(data.items.raw_ids, (std::vector<std::string>{"m1", "m2", "m,3"}));
}

TEST(DelimitedFile, QuotingErrorsNameTheRecordsFirstLine) {
  testing::TemporaryDirectory folder;
  const auto file = folder.path() / "ratings.csv";
  testing::write_text(file, "user,item,stars,time\na,b,1,2\nc,\"d\n\ne,1,2\n");
  EXPECT_EQ(error_message([&] { load_delimited_file(file, csv_options()); }),
            file.string() + ":3: a quoted field opens here and never closes");
  // Skipping malformed lines does not skip a quote that never closes: that would drop the rest of the file.
  auto options = csv_options();
  options.malformed = MalformedLines::skip;
  EXPECT_EQ(error_message([&] { load_delimited_file(file, options); }),
            file.string() + ":3: a quoted field opens here and never closes");
  testing::write_text(file, "user,item,stars,time\na,b\"c,1,2\na,b,1,2\n");
  auto skipped = load_delimited_file(file, options);
  EXPECT_EQ(skipped.skipped_lines, 1u);
  EXPECT_EQ(skipped.interactions.size(), 1u);
}

TEST(DelimitedFile, AByteOrderMarkIsNotPartOfTheFirstColumn) {
  testing::TemporaryDirectory folder;
  const auto file = folder.path() / "ratings.csv";
  testing::write_text(file, "\xEF\xBB\xBFuser,item,stars,time\nu1,i1,1,1\n");
  EXPECT_EQ(load_delimited_file(file, csv_options()).interactions.users.raw_ids, (std::vector<std::string>{"u1"}));
  // Without a header the mark is not part of the first id either.
  auto options = csv_options();
  options.header = false;
  options.user_column = "0";
  options.item_column = "1";
  options.rating_column.reset();
  options.timestamp_column.reset();
  testing::write_text(file, "\xEF\xBB\xBF" "7,8\n");
  EXPECT_EQ(load_delimited_file(file, options).interactions.users.raw_ids, (std::vector<std::string>{"7"}));
}

TEST(DelimitedFile, AColumnIsReadAsOneThingOnly) {
  testing::TemporaryDirectory folder;
  const auto file = folder.path() / "ratings.csv";
  testing::write_text(file, "user,item,stars,time\nu1,i1,1,1\n");
  auto options = csv_options();
  options.timestamp_column = "stars";
  EXPECT_EQ(error_message([&] { load_delimited_file(file, options); }),
            file.string() + ": rating_column and timestamp_column name the same column; each column can be read as "
                            "one thing only");
}

TEST(MovieLens, IdsAreNumbersWhateverTheMapping) {
  testing::TemporaryDirectory folder;
  const auto file = folder.path() / "u.data";
  testing::write_text(file, "1\t10\t5\t881250949\n2\tabc\t4\t881250950\n");
  EXPECT_EQ(error_message([&] { load_movielens(file, IdMapping::dense, MalformedLines::error); }),
            file.string() + ":2: item \"abc\" is not a number");
  // "007" and "7" are one movie: ids are compared as numbers.
  testing::write_text(file, "1\t007\t5\t881250949\n2\t7\t4\t881250950\n");
  const auto loaded = load_movielens(file, IdMapping::dense, MalformedLines::error);
  EXPECT_EQ(loaded.interactions.num_items, 1);
  EXPECT_EQ(loaded.interactions.items.raw_ids, (std::vector<std::string>{"7"}));
}

TEST(MovieLens, DetectsEveryPublishedLayout) {
  testing::TemporaryDirectory folder;
  std::filesystem::create_directories(folder.path() / "100k");
  std::filesystem::create_directories(folder.path() / "1m");
  std::filesystem::create_directories(folder.path() / "20m");
  testing::write_text(folder.path() / "100k/u.data", "196\t242\t3\t881250949\n186\t302\t3\t891717742\n");
  testing::write_text(folder.path() / "1m/ratings.dat", "1::1193::5::978300760\n1::661::3::978302109\n");
  testing::write_text(folder.path() / "20m/ratings.csv",
                      "userId,movieId,rating,timestamp\n1,2,3.5,1112486027\n1,29,3.5,1112484676\n");
  for (const char* variant : {"100k", "1m", "20m"}) {
    auto data = load_movielens(folder.path() / variant, IdMapping::dense, MalformedLines::error).interactions;
    EXPECT_EQ(data.size(), 2u) << variant;
    EXPECT_EQ(data.timestamps.size(), 2u) << variant;
  }
  auto latest = load_movielens(folder.path() / "20m", IdMapping::dense, MalformedLines::error).interactions;
  EXPECT_EQ(latest.ratings, (std::vector<float>{3.5f, 3.5f}));
  EXPECT_EQ(latest.items.raw_ids, (std::vector<std::string>{"2", "29"}));
  EXPECT_EQ(error_message<DataError>([&] { load_movielens(folder.path(), IdMapping::dense, MalformedLines::error); }),
            folder.path().string() +
                ": no MovieLens ratings here (expected a folder or file: u.data, ratings.dat or ratings.csv)");
}

TEST(MovieLens, Loads100KWithItsPublishedCounts) {
  const auto movielens = testing::movielens_100k();
  if (!std::filesystem::exists(movielens / "u.data")) GTEST_SKIP() << "MovieLens 100K not found at " << movielens;
  auto dense = load_movielens(testing::movielens_100k(), IdMapping::dense, MalformedLines::error).interactions;
  dense.validate();
  EXPECT_EQ(dense.num_users, 943);
  EXPECT_EQ(dense.num_items, 1682);
  EXPECT_EQ(dense.size(), 100000u);
  EXPECT_EQ(dense.users.raw_ids.front(), "196");  // the first line is "196 242 3 881250949"
  auto raw = load_movielens(testing::movielens_100k(), IdMapping::raw, MalformedLines::error).interactions;
  EXPECT_EQ(raw.num_users, 944);  // Spotlight keeps the 1-based raw ids
  EXPECT_EQ(raw.num_items, 1683);
}

// The splits of the reference runs, as Spotlight 0.1.6 makes them with RandomState(42) on the
// raw ids (../shared/reference/spotlight-ml100k.md: 853 train and 229 test sequences).
TEST(MovieLens, SplitsOf100KAreSpotlights) {
  const auto movielens = testing::movielens_100k();
  if (!std::filesystem::exists(movielens / "u.data")) GTEST_SKIP() << "MovieLens 100K not found at " << movielens;
  const auto raw = load_movielens(movielens, IdMapping::raw, MalformedLines::error).interactions;
  const auto by_user = user_based_train_test_split(raw, 0.2, 42);
  EXPECT_EQ(by_user.train.size(), 76660u);
  EXPECT_EQ(by_user.test.size(), 23340u);
  SequenceOptions windows;
  windows.max_length = 200;
  windows.min_length = 20;
  windows.step_size = 200;
  EXPECT_EQ(to_sequence(by_user.train, windows).num_sequences(), 853);
  EXPECT_EQ(to_sequence(by_user.test, windows).num_sequences(), 229);
  const auto random = random_train_test_split(raw, 0.2, 42);
  ASSERT_EQ(random.train.size(), 80000u);
  // Spotlight's first training rows and last test rows, (user, item).
  EXPECT_EQ(std::vector<int64_t>(random.train.user_ids.begin(), random.train.user_ids.begin() + 3),
            (std::vector<int64_t>{877, 815, 94}));
  EXPECT_EQ(std::vector<int64_t>(random.train.item_ids.begin(), random.train.item_ids.begin() + 3),
            (std::vector<int64_t>{381, 602, 431}));
  EXPECT_EQ(std::vector<int64_t>(random.test.user_ids.end() - 2, random.test.user_ids.end()),
            (std::vector<int64_t>{284, 222}));
  EXPECT_EQ(std::vector<int64_t>(random.test.item_ids.end() - 2, random.test.item_ids.end()),
            (std::vector<int64_t>{322, 200}));
}

TEST(MovieLens, ACorruptedCopyNamesTheLine) {
  const auto movielens = testing::movielens_100k();
  if (!std::filesystem::exists(movielens / "u.data")) GTEST_SKIP() << "MovieLens 100K not found at " << movielens;
  testing::TemporaryDirectory folder;
  std::ifstream original(testing::movielens_100k() / "u.data");
  std::ofstream corrupted(folder.path() / "u.data");
  std::string line;
  for (int number = 1; std::getline(original, line); ++number) corrupted << (number == 500 ? "12\tx\t3" : line) << "\n";
  corrupted.close();
  EXPECT_EQ(error_message<DataError>([&] { load_movielens(folder.path(), IdMapping::dense, MalformedLines::error); }),
            (folder.path() / "u.data").string() + ":500: expected at least 4 fields separated by \"\t\", got 3");
}

}  // namespace
}  // namespace spotlight

namespace spotlight {
namespace {

TEST(DelimitedFile, ASkippedLineLeavesNoUserBehind) {
  testing::TemporaryDirectory folder;
  const auto file = folder.path() / "ratings.csv";
  testing::write_text(file, "user,item\nann,1\nfrank,\nbob,2\n");
  DelimitedFileOptions options;
  options.header = true;
  options.user_column = "user";
  options.item_column = "item";
  options.malformed = MalformedLines::skip;
  auto loaded = load_delimited_file(file, options);
  EXPECT_EQ(loaded.skipped_lines, 1u);
  EXPECT_EQ(loaded.interactions.users.raw_ids, (std::vector<std::string>{"ann", "bob"}));
  EXPECT_EQ(loaded.interactions.num_users, 2);
}

TEST(DelimitedFile, NumericAndTextIdsMixInOrderOfAppearance) {
  testing::TemporaryDirectory folder;
  const auto file = folder.path() / "ratings.csv";
  // "007" is not the number 7: once a non-canonical id appears, ids are kept as text.
  testing::write_text(file, "user,item\n7,1\n12,1\n007,2\n7,2\n");
  DelimitedFileOptions options;
  options.header = true;
  options.user_column = "user";
  options.item_column = "item";
  auto data = load_delimited_file(file, options).interactions;
  EXPECT_EQ(data.users.raw_ids, (std::vector<std::string>{"7", "12", "007"}));
  EXPECT_EQ(data.user_ids, (std::vector<int64_t>{0, 1, 2, 0}));
  EXPECT_EQ(data.items.raw_ids, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(data.item_ids, (std::vector<int64_t>{0, 0, 1, 1}));
}

}  // namespace
}  // namespace spotlight
