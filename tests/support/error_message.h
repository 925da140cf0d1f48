#pragma once

#include <exception>
#include <string>

namespace spotlight::testing {

// The message of the `ErrorType` that `action` throws, or "" when it throws none. Other
// exceptions propagate and fail the test.
template <class ErrorType = std::exception, class Action>
std::string error_message(Action action) {
  try {
    action();
  } catch (const ErrorType& error) {
    return error.what();
  }
  return "";
}

}  // namespace spotlight::testing
