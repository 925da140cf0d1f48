#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "cli/options.h"
#include "spotlight/framework/run/recommend.h"
#include "spotlight/framework/run/recommendation_file.h"
#include "spotlight/framework/training/runtime.h"

namespace spotlight::cli {

namespace {

constexpr const char* kUsage =
    "usage: spotlight recommend --model DIR (--user ID | --sequence a,b,c) [-k N] [--include-seen] [--json]\n"
    "       spotlight recommend --model DIR (--all-users | --users FILE) --output FILE.csv|FILE.jsonl\n"
    "                           [-k N] [--include-seen] [--threads N]";

constexpr int64_t kMaxK = 1 << 20;
constexpr std::uintmax_t kMaxUsersFileBytes = 1ull << 30;
constexpr size_t kMaxIdBytes = 4096;

std::vector<std::string> comma_separated(const std::string& text) {
  std::vector<std::string> items;
  for (size_t start = 0;;) {
    const size_t comma = text.find(',', start);
    items.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (items.back().empty()) throw UsageError("--sequence " + text + ": expected item ids separated by commas");
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

// The dense ids of the users a --users file names, one raw id per line, in its order.
std::vector<int64_t> users_from_file(const std::string& file, const Recommender& recommender) {
  std::error_code error;
  const auto status = std::filesystem::status(file, error);
  if (error || !std::filesystem::exists(status)) throw Error(file + ": no such file (--users)");
  if (!std::filesystem::is_regular_file(status)) throw Error(file + ": not a regular file (--users)");
  if (std::filesystem::file_size(file, error) > kMaxUsersFileBytes) {
    throw Error(file + ": larger than the " + std::to_string(kMaxUsersFileBytes >> 20) + " MiB a --users file may have");
  }
  std::ifstream input(file);
  if (!input) throw Error(file + ": cannot be read (--users)");
  std::vector<int64_t> users;
  std::string line;
  for (int64_t number = 1; std::getline(input, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.size() > kMaxIdBytes) {
      throw Error(file + ":" + std::to_string(number) + ": a user id longer than " + std::to_string(kMaxIdBytes) + " bytes");
    }
    if (line.empty()) continue;
    try {
      users.push_back(recommender.user_id(line));
    } catch (const DataError& unknown) {
      throw DataError(file + ":" + std::to_string(number) + ": " + unknown.what());
    }
  }
  if (users.empty()) throw Error(file + ": names no user (one user id per line)");
  return users;
}

void print(const std::vector<Recommendation>& recommendations, bool as_json) {
  if (as_json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& recommendation : recommendations) {
      list.push_back({{"item", recommendation.item}, {"score", recommendation.score}});
    }
    std::cout << list.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return;
  }
  for (size_t rank = 0; rank < recommendations.size(); ++rank) {
    char score[32];
    std::snprintf(score, sizeof score, "%.4f", recommendations[rank].score);
    std::cout << rank + 1 << "\t" << recommendations[rank].item << "\t" << score << "\n";
  }
}

}  // namespace

int recommend_command(Arguments& arguments, const Registry& registry) {
  const std::string folder = arguments.take_value("--model");
  const std::string user = arguments.take_value("--user");
  const std::string sequence = arguments.take_value("--sequence");
  const bool all_users = arguments.take_flag("--all-users");
  const std::string users_file = arguments.take_value("--users");
  const std::string output = arguments.take_value("--output");
  const std::string threads = arguments.take_value("--threads");
  const int64_t k = whole_number("-k", arguments.take_value("-k"), 1, kMaxK, 10);
  const bool include_seen = arguments.take_flag("--include-seen");
  const bool as_json = arguments.take_flag("--json");
  arguments.reject_unknown_options("recommend");
  const int questions = !user.empty() + !sequence.empty() + all_users + !users_file.empty();
  if (folder.empty() || arguments.words.size() != 1 || questions != 1) throw UsageError(kUsage);
  const bool to_file = all_users || !users_file.empty();
  if (to_file != !output.empty()) {
    throw UsageError(to_file ? "--all-users and --users write to --output FILE.csv or FILE.jsonl"
                             : "--output goes with --all-users or --users");
  }
  if (to_file && as_json) throw UsageError("--json is for one user; the output file's extension picks its format");
  if (!to_file && !threads.empty()) throw UsageError("--threads goes with --all-users or --users");
  if (to_file) recommendation_format(output);  // a wrong extension is refused before the model loads

  auto saved = load_checkpoint(folder, registry);
  Recommender recommender(saved);
  if (!sequence.empty()) {
    if (!recommender.scores_sequences()) throw Error("this model scores users by id; recommend with --user");
    print(recommender.for_sequence(comma_separated(sequence), k, include_seen), as_json);
    return 0;
  }
  if (!user.empty()) {
    print(recommender.for_users({recommender.user_id(user)}, k, include_seen).front(), as_json);
    return 0;
  }

  RecommendationFileOptions options;
  options.k = k;
  options.include_seen = include_seen;
  const int64_t cores = core_count();
  options.threads = static_cast<int>(whole_number("--threads", threads, 1, 1024, cores));
  // Each worker's products run on its own thread: LibTorch's and the BLAS's pools would
  // otherwise compete with the workers for the same cores.
  set_compute_threads(1);
  const auto users = all_users ? recommender.users_with_history() : users_from_file(users_file, recommender);
  if (isatty(STDERR_FILENO) != 0) {
    options.progress = [](int64_t done, int64_t total) {
      const int width = 30;
      const int filled = static_cast<int>(width * done / std::max<int64_t>(1, total));
      std::cerr << "\r[" << std::string(static_cast<size_t>(filled), '=') << std::string(static_cast<size_t>(width - filled), ' ')
                << "] " << done << "/" << total << " users" << std::flush;
    };
  }
  write_recommendations(recommender, users, output, options);
  if (options.progress) std::cerr << "\r\033[K";
  std::cerr << "wrote " << output << " (" << users.size() << " users)\n";
  return 0;
}

}  // namespace spotlight::cli
