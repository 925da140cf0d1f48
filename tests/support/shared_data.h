#pragma once

#include <cstdlib>
#include <filesystem>

namespace spotlight::testing {

// MovieLens 100K for real-data tests: $SPOTLIGHT_ML100K, else ../shared/data/ml-100k beside
// the checkout. Its license forbids copying it into the repository; tests that need it skip
// when it is absent.
inline std::filesystem::path movielens_100k() {
  if (const char* folder = std::getenv("SPOTLIGHT_ML100K")) return folder;
  return std::filesystem::path(SPOTLIGHT_SOURCE_DIR) / ".." / "shared" / "data" / "ml-100k";
}

}  // namespace spotlight::testing
