// Must not compile: the class derives from no SDK component interface, so it has no kind and
// SPOTLIGHT_PLUGIN's static_assert says so (checked by the sdk.compile_fail tests).
#include "spotlight/sdk/plugin.h"

namespace {
class NotAComponent {};
std::shared_ptr<NotAComponent> make(const spotlight::ComponentArgs&) { return std::make_shared<NotAComponent>(); }
}  // namespace

SPOTLIGHT_PLUGIN(NotAComponent, make, "not_a_component", "1.0.0", "a class of no known kind")
