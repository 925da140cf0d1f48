#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <vector>

#include "spotlight/framework/run/recommend.h"

namespace spotlight {

// How a file of recommendations is written, chosen by its extension.
enum class RecommendationFormat {
  csv,         // .csv: a header line, then user,rank,item,score per recommendation
  json_lines,  // .jsonl: {"user": "...", "recommendations": [{"item": "...", "score": ...}, ...]} per user
};

// The format `file`'s extension names; a UsageError-worthy Error for any other extension.
RecommendationFormat recommendation_format(const std::filesystem::path& file);

struct RecommendationFileOptions {
  int64_t k = 10;
  bool include_seen = false;
  int threads = 1;           // workers scoring blocks at once (each product on one thread)
  int64_t block_size = 256;  // users scored per model call
  // Called from the writing thread after every written block: users written, users in all.
  std::function<void(int64_t done, int64_t total)> progress;
};

// Writes the top `k` for every one of `users` (dense ids, in that order) to `file`:
// blocks of users are scored and ranked by `threads` workers while one writer streams the
// finished blocks in order, so memory holds a few blocks of scores, never all of them. The
// file appears complete or not at all (AtomicOutputFile). Scores are printed with enough
// digits to read back the exact float. Returns the lines written after the CSV header (a
// line per recommendation in CSV, per user in JSON Lines).
int64_t write_recommendations(Recommender& recommender, const std::vector<int64_t>& users,
                              const std::filesystem::path& file, const RecommendationFileOptions& options);

}  // namespace spotlight
