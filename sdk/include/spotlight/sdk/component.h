#pragma once

#include <string>

#include "spotlight/sdk/export.h"

namespace spotlight {

// The kinds of component a plugin can provide. The host asks for components by kind and
// name only; it never names a concrete component.
enum class ComponentKind { representation, embedding, loss, sampler, evaluator };

SPOTLIGHT_SDK_API const char* to_string(ComponentKind kind);
// "a loss", "an embedding": for messages.
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

}  // namespace spotlight
