#pragma once

#include <cstdint>
#include <string>

namespace spotlight::cli {

// `value` of `option` as a whole number from `lowest` to `highest`; a UsageError naming
// the option otherwise. `fallback` when the option was not given (value empty).
int64_t whole_number(const std::string& option, const std::string& value, int64_t lowest, int64_t highest,
                     int64_t fallback);
// The same for a value that must be there: an empty one is refused like any other.
int64_t whole_number(const std::string& option, const std::string& value, int64_t lowest, int64_t highest);

}  // namespace spotlight::cli
