#include "spotlight/framework/data/text_loaders.h"
#include "spotlight/sdk/errors.h"

namespace spotlight {

namespace {

struct MovieLensLayout {
  const char* file_name;
  const char* delimiter;
  bool header;
  const char* user;
  const char* item;
  const char* rating;
  const char* timestamp;
};

// Newest first: a folder holding several layouts is read as the newest one.
constexpr MovieLensLayout kLayouts[] = {
    {"ratings.csv", ",", true, "userId", "movieId", "rating", "timestamp"},  // 20M, 25M, latest
    {"ratings.dat", "::", false, "0", "1", "2", "3"},                        // 1M, 10M
    {"u.data", "\t", false, "0", "1", "2", "3"},                             // 100K
};

}  // namespace

LoadedInteractions load_movielens(const std::filesystem::path& path, IdMapping ids, MalformedLines malformed) {
  std::error_code error;
  for (const auto& layout : kLayouts) {
    const auto file = std::filesystem::is_directory(path, error) ? path / layout.file_name : path;
    if (file.filename() != layout.file_name || !std::filesystem::is_regular_file(file, error)) continue;
    DelimitedFileOptions options;
    options.delimiter = layout.delimiter;
    options.header = layout.header;
    options.user_column = layout.user;
    options.item_column = layout.item;
    options.rating_column = layout.rating;
    options.timestamp_column = layout.timestamp;
    options.ids = ids;
    options.numeric_ids = true;  // every MovieLens layout numbers its users and movies
    options.malformed = malformed;
    return load_delimited_file(file, options);
  }
  throw DataError(path.string() + ": no MovieLens ratings here (expected a folder or file: u.data, ratings.dat or "
                                  "ratings.csv)");
}

}  // namespace spotlight
