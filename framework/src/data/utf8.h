#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace spotlight {

// Length of the well-formed UTF-8 sequence starting at text[i] (RFC 3629: no overlong forms,
// no surrogates, nothing above U+10FFFF), or 0 when the bytes there are not one.
inline size_t utf8_sequence_length(std::string_view text, size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char second_low = 0x80, second_high = 0xBF;  // the second byte's range depends on the first
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_low = 0xA0;   // overlong
    if (lead == 0xED) second_high = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_low = 0x90;   // overlong
    if (lead == 0xF4) second_high = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (text.size() - i < length) return 0;
  const auto second = static_cast<unsigned char>(text[i + 1]);
  if (second < second_low || second > second_high) return 0;
  for (size_t k = 2; k < length; ++k) {
    const auto next = static_cast<unsigned char>(text[i + k]);
    if (next < 0x80 || next > 0xBF) return 0;
  }
  return length;
}

// True when `text` is well-formed UTF-8. Text from the command line and from data files ends
// up in JSON documents (experiment.json, checkpoint.json, --json output), whose writer throws
// on anything else, so it is checked where it enters.
inline bool is_utf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t length = utf8_sequence_length(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

// `text` as one line that is safe in a terminal: control characters (line breaks and escape
// sequences included), the C1 controls, DEL and bytes that are not UTF-8 become \xNN (\n, \r,
// \t by name); printable UTF-8 stays as it is. Every error message passes through it on its
// way out, so a hostile byte in a file name, an id or a JSON string is shown, never obeyed.
inline std::string printable(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string shown;
  shown.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    const size_t length = utf8_sequence_length(text, i);
    const bool c1_control = length == 2 && byte == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0;
    if (length > 1 && !c1_control) {
      shown.append(text.substr(i, length));
      i += length;
      continue;
    }
    if (length == 1 && byte >= 0x20 && byte != 0x7F) {
      shown += static_cast<char>(byte);
    } else if (byte == '\n') {
      shown += "\\n";
    } else if (byte == '\r') {
      shown += "\\r";
    } else if (byte == '\t') {
      shown += "\\t";
    } else {
      shown += "\\x";
      shown += kHex[byte >> 4];
      shown += kHex[byte & 15];
    }
    ++i;  // one byte at a time for anything escaped (a C1 control escapes as two \xNN)
  }
  return shown;
}

}  // namespace spotlight
