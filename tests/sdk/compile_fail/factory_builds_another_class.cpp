// Must not compile: the factory returns a plain Component, so nothing ties what it builds to
// the declared class's kind; SPOTLIGHT_PLUGIN's static_assert says so.
#include "spotlight/sdk/plugin.h"

namespace {
// A torch-free component of a known kind, declared the way the SDK interfaces declare theirs.
class KindOnly : public spotlight::Component {
 public:
  static constexpr spotlight::ComponentKind component_kind = spotlight::ComponentKind::loss;
  spotlight::ComponentKind kind() const final { return component_kind; }
};
std::shared_ptr<spotlight::Component> make(const spotlight::ComponentArgs&) { return std::make_shared<KindOnly>(); }
}  // namespace

SPOTLIGHT_PLUGIN(KindOnly, make, "factory_builds_another_class", "1.0.0", "a factory typed too loosely")
