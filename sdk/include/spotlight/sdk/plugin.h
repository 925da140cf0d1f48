#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "spotlight/sdk/component.h"
#include "spotlight/sdk/component_args.h"
#include "spotlight/sdk/export.h"
#include "spotlight/sdk/parameters.h"
#include "spotlight/sdk/version.h"

namespace spotlight {

using ComponentFactory = std::shared_ptr<Component> (*)(const ComponentArgs& args);

// What a plugin declares about itself. Only read after the handshake succeeded.
struct PluginInfo {
  const char* name;
  ComponentKind kind;
  const char* version;
  const char* description;
  ParameterList parameters;
  ComponentFactory factory;
};

// The plain, layout-stable record returned by the library's one exported entry point. The
// host checks magic, ABI version, size and alignment before reading anything else, then
// the LibTorch version and C++ ABI, and only then calls `info`.
struct PluginHandshake {
  uint32_t magic;
  uint32_t abi_version;
  uint32_t handshake_size;
  uint32_t handshake_align;
  const char* torch_version;
  int32_t cxx11_abi;
  const PluginInfo* (*info)();
};

using PluginEntryPoint = const PluginHandshake* (*)();

}  // namespace spotlight

// Declares the plugin of this library. One per library, in one source file:
//
//   SPOTLIGHT_PLUGIN(make_bpr, "bpr", spotlight::ComponentKind::loss, "1.0.0",
//                    "Bayesian personalised ranking loss",
//                    spotlight::Parameter::number("margin", 1.0, "...").at_least(0))
//
// `factory` is a function `std::shared_ptr<spotlight::Component>(const spotlight::ComponentArgs&)`;
// the trailing arguments are the declared parameters (none is fine).
#define SPOTLIGHT_PLUGIN(factory, name, kind, version, description, ...)                          \
  namespace {                                                                                      \
  const ::spotlight::PluginInfo* spotlight_plugin_info() {                                        \
    static const ::spotlight::PluginInfo info{name, kind, version, description,                   \
                                              ::spotlight::ParameterList{__VA_ARGS__}, &factory}; \
    return &info;                                                                                  \
  }                                                                                                \
  }                                                                                                \
  SPOTLIGHT_PLUGIN_EXPORT const ::spotlight::PluginHandshake* spotlight_plugin_entry_v1() {       \
    static const ::spotlight::PluginHandshake handshake{SPOTLIGHT_PLUGIN_MAGIC,                    \
                                                        SPOTLIGHT_SDK_ABI_VERSION,                 \
                                                        sizeof(::spotlight::PluginHandshake),      \
                                                        alignof(::spotlight::PluginHandshake),     \
                                                        SPOTLIGHT_TORCH_VERSION,                   \
                                                        SPOTLIGHT_CXX11_ABI,                       \
                                                        &spotlight_plugin_info};                   \
    return &handshake;                                                                             \
  }
