#pragma once

#include <string>
#include <utility>
#include <vector>

namespace spotlight::testing {

// The bytes of a zip archive holding `files` (path inside the archive, contents), stored
// without compression: enough for unzip, with no zip tool needed to build test archives.
std::string stored_zip(const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace spotlight::testing
