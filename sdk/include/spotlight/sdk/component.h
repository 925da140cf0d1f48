#pragma once

#include <string>
#include <type_traits>

#include "spotlight/sdk/export.h"

namespace spotlight {

// The kinds of component a plugin can provide. The host asks for components by kind and
// name only; it never names a concrete component. New kinds go at the end: a plugin's
// handshake carries the kind as this enum's value.
enum class ComponentKind { representation, embedding, loss, sampler, evaluator, optimizer };

SPOTLIGHT_SDK_API const char* to_string(ComponentKind kind);
// "a loss", "an embedding", "an optimizer": for messages.
SPOTLIGHT_SDK_API std::string with_article(ComponentKind kind);
// Parses "representation", "loss", ...; returns false for anything else.
SPOTLIGHT_SDK_API bool parse_component_kind(const std::string& text, ComponentKind& kind);

// Base of every object a plugin factory creates. Its out-of-line destructor is the key
// function that pins the type information in the SDK core library.
class SPOTLIGHT_SDK_API Component {
 public:
  virtual ~Component();
  virtual ComponentKind kind() const = 0;
};

// The kind of a component class, known at compile time: every SDK interface (Representation,
// EmbeddingLayer, Loss, Sampler, Evaluator, Optimizer) declares
//   static constexpr ComponentKind component_kind = ...;
// and a class derived from it inherits that. SPOTLIGHT_PLUGIN reads the plugin's kind from
// here, so a plugin cannot state one kind in its base class and another in its declaration.
namespace detail {
template <class T, class = void>
struct declares_component_kind : std::false_type {};
// Ambiguous (two interfaces) or missing `component_kind` falls back to the primary template.
template <class T>
struct declares_component_kind<T, std::void_t<decltype(T::component_kind)>>
    : std::is_same<std::remove_cv_t<decltype(T::component_kind)>, ComponentKind> {};
}  // namespace detail

template <class T>
inline constexpr bool is_component_class_v =
    std::is_base_of_v<Component, T> && detail::declares_component_kind<T>::value;

// T's kind; only meaningful when is_component_class_v<T> (checked with a readable message
// where it matters, in SPOTLIGHT_PLUGIN), so that a failed check reports one error, not two.
template <class T>
constexpr ComponentKind component_kind_of() {
  if constexpr (is_component_class_v<T>) {
    return T::component_kind;
  } else {
    return ComponentKind::representation;
  }
}

}  // namespace spotlight
