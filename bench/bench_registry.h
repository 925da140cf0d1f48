#pragma once

// The shipped plugins, discovered once per benchmark process.
#include "spotlight/registry/registry.h"

namespace spotlight::bench {

inline const Registry& shipped_plugins() {
  static Registry* instance = [] {
    auto* loaded = new Registry();
    loaded->discover({SPOTLIGHT_PLUGIN_DIR});
    return loaded;
  }();
  return *instance;
}

}  // namespace spotlight::bench
