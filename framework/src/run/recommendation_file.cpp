#include "spotlight/framework/run/recommendation_file.h"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "spotlight/framework/run/atomic_file.h"
#include "spotlight/sdk/errors.h"

namespace spotlight {

namespace {

// RFC 4180: a field holding a comma, a quote or a line break is quoted, quotes doubled.
void append_csv_field(std::string& line, const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) {
    line += field;
    return;
  }
  line += '"';
  for (char c : field) {
    if (c == '"') line += '"';
    line += c;
  }
  line += '"';
}

// The shortest text that reads back as the same float.
std::string float_text(double score) {
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", static_cast<float>(score));
  return text;
}

std::string format_block(const Recommender& recommender, const std::vector<int64_t>& users,
                         const std::vector<std::vector<Recommendation>>& answers, RecommendationFormat format) {
  std::string text;
  for (size_t row = 0; row < users.size(); ++row) {
    const std::string user = recommender.raw_user(users[row]);
    const auto& best = answers[row];
    if (format == RecommendationFormat::csv) {
      for (size_t rank = 0; rank < best.size(); ++rank) {
        append_csv_field(text, user);
        text += ',' + std::to_string(rank + 1) + ',';
        append_csv_field(text, best[rank].item);
        text += ',' + float_text(best[rank].score) + '\n';
      }
      continue;
    }
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& recommendation : best) {
      // Through the float text, so both formats print the same number.
      list.push_back({{"item", recommendation.item}, {"score", std::stod(float_text(recommendation.score))}});
    }
    text += nlohmann::ordered_json{{"user", user}, {"recommendations", std::move(list)}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
    text += '\n';
  }
  return text;
}

}  // namespace

RecommendationFormat recommendation_format(const std::filesystem::path& file) {
  const auto extension = file.extension().string();
  if (extension == ".csv") return RecommendationFormat::csv;
  if (extension == ".jsonl") return RecommendationFormat::json_lines;
  throw Error(file.string() + ": the output's extension says its format: .csv (user,rank,item,score) or .jsonl");
}

int64_t write_recommendations(Recommender& recommender, const std::vector<int64_t>& users,
                              const std::filesystem::path& file, const RecommendationFileOptions& options) {
  const auto format = recommendation_format(file);
  AtomicOutputFile output(file);
  if (format == RecommendationFormat::csv) output.write("user,rank,item,score\n");

  const auto total = static_cast<int64_t>(users.size());
  const int64_t block_size = std::max<int64_t>(1, options.block_size);
  const int64_t blocks = (total + block_size - 1) / block_size;
  const int threads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(options.threads, blocks)));
  // Finished blocks wait here for the writer; at most `window` are scored ahead of it.
  const int64_t window = 2 * static_cast<int64_t>(threads);
  std::vector<std::optional<std::string>> finished(static_cast<size_t>(window));
  std::mutex mutex;
  std::condition_variable changed;
  int64_t next_block = 0;
  int64_t written_blocks = 0;
  std::exception_ptr failure;

  auto work = [&] {
    for (;;) {
      int64_t block = 0;
      {
        std::unique_lock<std::mutex> lock(mutex);
        changed.wait(lock, [&] { return failure || next_block >= blocks || next_block < written_blocks + window; });
        if (failure || next_block >= blocks) return;
        block = next_block++;
      }
      try {
        const int64_t begin = block * block_size;
        const std::vector<int64_t> chunk(users.begin() + begin, users.begin() + std::min(total, begin + block_size));
        auto text = format_block(recommender, chunk, recommender.for_users(chunk, options.k, options.include_seen),
                                 format);
        std::lock_guard<std::mutex> lock(mutex);
        finished[static_cast<size_t>(block % window)] = std::move(text);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!failure) failure = std::current_exception();
      }
      changed.notify_all();
    }
  };
  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i) workers.emplace_back(work);

  int64_t lines = 0;
  try {
    for (int64_t block = 0; block < blocks; ++block) {
      std::string text;
      {
        std::unique_lock<std::mutex> lock(mutex);
        auto& slot = finished[static_cast<size_t>(block % window)];
        changed.wait(lock, [&] { return failure || slot.has_value(); });
        if (failure) break;
        text = std::move(*slot);
        slot.reset();
      }
      output.write(text);
      lines += static_cast<int64_t>(std::count(text.begin(), text.end(), '\n'));
      {
        std::lock_guard<std::mutex> lock(mutex);
        ++written_blocks;
      }
      changed.notify_all();
      if (options.progress) options.progress(std::min(total, (block + 1) * block_size), total);
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!failure) failure = std::current_exception();
  }
  changed.notify_all();
  for (auto& worker : workers) worker.join();
  if (failure) std::rethrow_exception(failure);
  output.commit();
  return lines;
}

}  // namespace spotlight
