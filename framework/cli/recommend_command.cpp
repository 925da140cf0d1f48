#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "spotlight/framework/recommend.h"

namespace spotlight::cli {

int recommend_command(Arguments& arguments, const Registry& registry) {
  const std::string folder = arguments.take_value("--model");
  const std::string user = arguments.take_value("--user");
  const std::string sequence = arguments.take_value("--sequence");
  std::string count = arguments.take_value("-k");
  const bool include_seen = arguments.take_flag("--include-seen");
  const bool as_json = arguments.take_flag("--json");
  arguments.reject_unknown_options("recommend");
  const char* usage = "usage: spotlight recommend --model DIR (--user ID | --sequence a,b,c) [-k N] [--include-seen] [--json]";
  if (folder.empty() || arguments.words.size() != 1 || user.empty() == sequence.empty()) throw UsageError(usage);
  int64_t k = 10;
  if (!count.empty()) {
    try {
      size_t used = 0;
      k = std::stoll(count, &used);
      if (used != count.size() || k < 1) throw std::invalid_argument(count);
    } catch (const std::exception&) {
      throw UsageError("-k " + count + ": expected a positive integer");
    }
  }
  auto saved = load_checkpoint(folder, registry);
  std::vector<Recommendation> recommendations;
  if (sequence.empty()) {
    recommendations = recommend_for_user(saved, user, k, include_seen);
  } else {
    std::vector<std::string> items;
    for (size_t start = 0;;) {
      const size_t comma = sequence.find(',', start);
      items.push_back(sequence.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (items.back().empty()) throw UsageError("--sequence " + sequence + ": expected item ids separated by commas");
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    recommendations = recommend_for_sequence(saved, items, k, include_seen);
  }
  if (as_json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& recommendation : recommendations) {
      list.push_back({{"item", recommendation.item}, {"score", recommendation.score}});
    }
    std::cout << list.dump() << "\n";
    return 0;
  }
  for (size_t rank = 0; rank < recommendations.size(); ++rank) {
    char score[32];
    std::snprintf(score, sizeof score, "%.4f", recommendations[rank].score);
    std::cout << rank + 1 << "\t" << recommendations[rank].item << "\t" << score << "\n";
  }
  return 0;
}

}  // namespace spotlight::cli
