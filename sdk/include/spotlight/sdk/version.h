#pragma once

#include <torch/version.h>

// Bumped whenever an SDK interface, the plugin descriptor or the handshake changes in a
// way that makes plugins built against the old headers unsafe to load.
#define SPOTLIGHT_SDK_ABI_VERSION 3u

// "Spotlight plugin" in ASCII: the first field of every handshake.
#define SPOTLIGHT_PLUGIN_MAGIC 0x53504c47u

#define SPOTLIGHT_PLUGIN_ENTRY_SYMBOL "spotlight_plugin_entry_v1"

#ifdef _GLIBCXX_USE_CXX11_ABI
#define SPOTLIGHT_CXX11_ABI _GLIBCXX_USE_CXX11_ABI
#else
#define SPOTLIGHT_CXX11_ABI 0
#endif

// The identity of the toolchain a library was built with; host and plugins must agree.
#define SPOTLIGHT_TORCH_VERSION TORCH_VERSION

namespace spotlight {

struct BuildIdentity {
  unsigned abi_version;
  const char* torch_version;
  int cxx11_abi;
};

inline constexpr BuildIdentity kHostBuildIdentity{SPOTLIGHT_SDK_ABI_VERSION, SPOTLIGHT_TORCH_VERSION,
                                                  SPOTLIGHT_CXX11_ABI};

}  // namespace spotlight
