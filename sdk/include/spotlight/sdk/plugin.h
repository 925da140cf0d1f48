#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>

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

namespace spotlight::detail {

// True when `factory(args)` gives a std::shared_ptr<Class> (or to a class derived from it).
template <class Class, class Factory>
inline constexpr bool builds_v = std::is_invocable_r_v<std::shared_ptr<Class>, Factory&, const ComponentArgs&>;

// The factory the host calls: the plugin's own, its result seen as a Component. When the
// class or the factory does not fit, SPOTLIGHT_PLUGIN's static_assert has said so, and the
// else branch keeps that the only error.
template <class Class, class Factory>
std::shared_ptr<Component> build(Factory& factory, const ComponentArgs& args) {
  if constexpr (is_component_class_v<Class> && builds_v<Class, Factory>) {
    std::shared_ptr<Class> built = factory(args);
    return built;
  } else {
    return nullptr;
  }
}

}  // namespace spotlight::detail

// Declares the plugin of this library. One per library, in one source file:
//
//   SPOTLIGHT_PLUGIN(BprLoss, make_bpr, "bpr", "1.0.0",
//                    "Bayesian personalised ranking loss",
//                    {spotlight::Parameter::number("margin", 1.0, "...").at_least(0)})
//
// `Class` is the component class the plugin provides; its kind (loss here) is the static
// `component_kind` of the SDK interface it derives from, so it is never written twice.
// `factory` is a function `std::shared_ptr<Class>(const spotlight::ComponentArgs&)` (it may
// return a class derived from Class), so what it builds has that kind too. The optional last
// argument is the schema: a braced list of Parameters, or any ParameterList, e.g.
// spotlight::schema({own...}, shared()). The host still checks the kind of every object a
// factory builds, for libraries whose handshake was not made by this macro.
#define SPOTLIGHT_PLUGIN(Class, factory, name, version, description, ...)                                    \
  static_assert(::spotlight::is_component_class_v<Class>,                                                    \
                "SPOTLIGHT_PLUGIN: the class must derive from exactly one SDK component interface "          \
                "(spotlight::Representation, EmbeddingLayer, Loss, Sampler, Evaluator or Optimizer), whose " \
                "static component_kind is the plugin's kind");                                               \
  static_assert(!::spotlight::is_component_class_v<Class> ||                                                 \
                    ::spotlight::detail::builds_v<Class, decltype(factory)>,                                 \
                "SPOTLIGHT_PLUGIN: the factory must take a const spotlight::ComponentArgs& and return a "    \
                "std::shared_ptr to the declared class (or to a class derived from it)");                    \
  namespace {                                                                                                \
  std::shared_ptr<::spotlight::Component> spotlight_plugin_factory(const ::spotlight::ComponentArgs& args) { \
    return ::spotlight::detail::build<Class>(factory, args);                                                 \
  }                                                                                                          \
  const ::spotlight::PluginInfo* spotlight_plugin_info() {                                                   \
    static const ::spotlight::PluginInfo info{name,                                                          \
                                              ::spotlight::component_kind_of<Class>(),                       \
                                              version,                                                       \
                                              description,                                                   \
                                              ::spotlight::ParameterList(__VA_ARGS__),                       \
                                              &spotlight_plugin_factory};                                    \
    return &info;                                                                                            \
  }                                                                                                          \
  }                                                                                                          \
  SPOTLIGHT_PLUGIN_EXPORT const ::spotlight::PluginHandshake* spotlight_plugin_entry_v1() {                  \
    static const ::spotlight::PluginHandshake handshake{SPOTLIGHT_PLUGIN_MAGIC,                              \
                                                        SPOTLIGHT_SDK_ABI_VERSION,                           \
                                                        sizeof(::spotlight::PluginHandshake),                \
                                                        alignof(::spotlight::PluginHandshake),               \
                                                        SPOTLIGHT_TORCH_VERSION,                             \
                                                        SPOTLIGHT_CXX11_ABI,                                 \
                                                        &spotlight_plugin_info};                             \
    return &handshake;                                                                                       \
  }
