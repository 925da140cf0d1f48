#include "spotlight/sdk/component.h"

#include <array>
#include <utility>

namespace spotlight {

namespace {
constexpr std::array<std::pair<ComponentKind, const char*>, 6> kKindNames{{
    {ComponentKind::representation, "representation"},
    {ComponentKind::embedding, "embedding"},
    {ComponentKind::loss, "loss"},
    {ComponentKind::sampler, "sampler"},
    {ComponentKind::evaluator, "evaluator"},
    {ComponentKind::optimizer, "optimizer"},
}};
}  // namespace

const char* to_string(ComponentKind kind) {
  for (const auto& [value, name] : kKindNames) {
    if (value == kind) return name;
  }
  return "unknown";
}

std::string with_article(ComponentKind kind) {
  const std::string name = to_string(kind);
  const bool vowel = std::string("aeiou").find(name[0]) != std::string::npos;
  return (vowel ? "an " : "a ") + name;
}

bool parse_component_kind(const std::string& text, ComponentKind& kind) {
  for (const auto& [value, name] : kKindNames) {
    if (text == name) {
      kind = value;
      return true;
    }
  }
  return false;
}

Component::~Component() = default;

}  // namespace spotlight
