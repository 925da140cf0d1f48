#pragma once

// What a loader promises about what it returns, checked after every successful load: a
// broken promise is a finding even though no exception escaped.

#include <cstdio>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "spotlight/framework/data/text_loaders.h"
#include "spotlight/sdk/errors.h"

namespace spotlight::fuzz {

inline void check_loaded(const LoadedInteractions& loaded, IdMapping ids) {
  const Interactions& data = loaded.interactions;
  auto broken = [](const char* promise) {
    std::fprintf(stderr, "fuzz: the loader broke its promise: %s\n", promise);
    std::abort();
  };
  try {
    data.validate();
  } catch (const Error& error) {
    std::fprintf(stderr, "fuzz: %s\n", error.what());
    broken("the interactions it returned do not validate");
  }
  if (data.size() == 0) broken("a successful load has at least one interaction");
  if (ids == IdMapping::dense) {
    if (data.users.raw_ids.size() != static_cast<size_t>(data.num_users) ||
        data.items.raw_ids.size() != static_cast<size_t>(data.num_items)) {
      broken("with dense ids there is one raw id per user and per item");
    }
    // Raw ids are written back out: into checkpoint.json, and by `recommend --json`.
    try {
      nlohmann::json{{"user_ids", data.users.raw_ids}, {"item_ids", data.items.raw_ids}}.dump();
    } catch (const nlohmann::json::exception& error) {
      std::fprintf(stderr, "fuzz: %s\n", error.what());
      broken("raw ids can be written to JSON");
    }
  } else if (!data.users.empty() || !data.items.empty()) {
    broken("with raw ids there are no id maps");
  }
}

}  // namespace spotlight::fuzz
