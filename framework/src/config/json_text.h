#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

namespace spotlight {

// Why a JSON text from a user (an experiment file, a --set value, a checkpoint) cannot be
// read, and where.
struct JsonTextError {
  size_t line = 0;  // 1-based; 0 when the parser does not say where
  size_t column = 0;
  std::string reason;  // "syntax error while parsing ...", "number overflow parsing '1e400'", ...
};

// Arrays and objects nested deeper than this are refused: nlohmann::json copies and prints
// values recursively, so a file of 100 000 '[' would overflow the stack long after it parsed.
// Experiments nest a handful of levels.
constexpr size_t kDeepestJsonNesting = 100;

// Parses `text`; throws JsonTextError for a syntax error, a number out of range or nesting
// deeper than kDeepestJsonNesting.
nlohmann::json parse_json_text(const std::string& text);

}  // namespace spotlight
