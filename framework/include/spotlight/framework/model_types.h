#pragma once

#include <string>
#include <vector>

namespace spotlight {

// The model types `model.type` accepts. Models live in the host: they own training loops;
// everything they train is a plugin.
std::vector<std::string> model_type_names();

}  // namespace spotlight
