#pragma once

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace spotlight::testing {

// MovieLens 100K for real-data tests: $SPOTLIGHT_ML100K, else ../shared/data/ml-100k beside
// the checkout. Its license forbids copying it into the repository; tests that need it skip
// when it is absent.
inline std::filesystem::path movielens_100k() {
  if (const char* folder = std::getenv("SPOTLIGHT_ML100K")) return folder;
  return std::filesystem::path(SPOTLIGHT_SOURCE_DIR) / ".." / "shared" / "data" / "ml-100k";
}

// A SPOTLIGHT_DATA_DIR in which `"variant": "100k"` finds MovieLens 100K without a
// download: the build's own cache, filled from movielens_100k() when it exists (the
// loader's layout: movielens/ml-100k/u.data). Empty when there is nothing to fill it from.
inline std::filesystem::path movielens_cache() {
  namespace fs = std::filesystem;
  const fs::path cache = fs::path(SPOTLIGHT_BUILD_DIR) / "data-cache";
  const fs::path target = cache / "movielens" / "ml-100k";
  std::error_code error;
  if (fs::is_regular_file(target / "u.data", error)) return cache;
  if (!fs::is_regular_file(movielens_100k() / "u.data", error)) return {};
  fs::create_directories(target.parent_path(), error);
  // Copied beside the target and renamed, so tests running at once never see half a copy.
  const fs::path staging = target.parent_path() / (".ml-100k-" + std::to_string(std::rand()));
  fs::copy(movielens_100k(), staging, fs::copy_options::recursive, error);
  fs::rename(staging, target, error);
  fs::remove_all(staging, error);
  return fs::is_regular_file(target / "u.data", error) ? cache : fs::path();
}

}  // namespace spotlight::testing
