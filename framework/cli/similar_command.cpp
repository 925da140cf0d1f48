#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "cli/options.h"
#include "spotlight/framework/run/recommend.h"

namespace spotlight::cli {

int similar_command(Arguments& arguments, const Registry& registry) {
  const std::string folder = arguments.take_value("--model");
  const std::string item = arguments.take_value("--item");
  const int64_t k = whole_number("-k", arguments.take_value("-k"), 1, 1 << 20, 10);
  const bool as_json = arguments.take_flag("--json");
  arguments.reject_unknown_options("similar");
  if (folder.empty() || item.empty() || arguments.words.size() != 1) {
    throw UsageError("usage: spotlight similar --model DIR --item ID [-k N] [--json]");
  }
  auto saved = load_checkpoint(folder, registry);
  Recommender recommender(saved);
  const auto similar = recommender.similar_items(item, k);
  if (as_json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& neighbour : similar) list.push_back({{"item", neighbour.item}, {"similarity", neighbour.score}});
    std::cout << list.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return 0;
  }
  for (size_t rank = 0; rank < similar.size(); ++rank) {
    char score[32];
    std::snprintf(score, sizeof score, "%.4f", similar[rank].score);
    std::cout << rank + 1 << "\t" << similar[rank].item << "\t" << score << "\n";
  }
  return 0;
}

}  // namespace spotlight::cli
