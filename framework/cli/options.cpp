#include "cli/options.h"

#include <charconv>

#include "cli/arguments.h"

namespace spotlight::cli {

int64_t whole_number(const std::string& option, const std::string& value, int64_t lowest, int64_t highest,
                     int64_t fallback) {
  return value.empty() ? fallback : whole_number(option, value, lowest, highest);
}

int64_t whole_number(const std::string& option, const std::string& value, int64_t lowest, int64_t highest) {
  int64_t number = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (error != std::errc() || end != value.data() + value.size() || number < lowest || number > highest) {
    throw UsageError(option + " needs a whole number from " + std::to_string(lowest) + " to " +
                     std::to_string(highest) + ", got \"" + value + "\"");
  }
  return number;
}

}  // namespace spotlight::cli
