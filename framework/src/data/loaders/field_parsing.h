#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "src/data/loaders/id_column.h"

namespace spotlight {

// Fields may be padded with spaces (quotes are taken off by DelimitedFields); a line may end in "\r".
inline std::string_view trim(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

// Plain decimals ("4", "3.5", "-0.25") as digits / 10^decimals: one correctly rounded
// division, and several times faster than the general parser, which costs more than the
// rest of a line. False for anything else (exponents, nan, inf, > 15 digits), which takes
// the general path.
inline bool parse_plain_decimal(std::string_view text, float& value) {
  static constexpr double kPowersOfTen[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                            1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  size_t i = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) ++i;
  uint64_t digits_value = 0;
  int digits = 0, decimals = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits) digits_value = digits_value * 10 + (text[i] - '0');
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits, ++decimals) {
      digits_value = digits_value * 10 + (text[i] - '0');
    }
  }
  if (i != text.size() || digits == 0 || digits > 15) return false;
  const double number = static_cast<double>(digits_value) / kPowersOfTen[decimals];
  value = static_cast<float>(negative ? -number : number);
  return true;
}

// A number field (trimmed first); LineError "WHAT \"TEXT\" is not a number" otherwise.
template <class Number>
Number parse_number(std::string_view text, const char* what) {
  text = trim(text);
  if constexpr (std::is_floating_point_v<Number>) {
    Number plain{};
    if (parse_plain_decimal(text, plain)) return plain;
  }
  Number value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
    throw LineError{std::string(what) + " \"" + std::string(text) + "\" is not a number"};
  }
  return value;
}

}  // namespace spotlight
