#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "src/data/loaders/line_reader.h"

namespace spotlight {

// Cuts records of a delimited text file into fields as RFC 4180 defines them: a field that
// starts with a double quote runs to the next lone quote, may hold the delimiter and line
// breaks, and writes a quote as two. A line without any quote (almost every line of every
// ratings file) is cut in place; only a line with a quote is copied, field by field.
class DelimitedFields {
 public:
  explicit DelimitedFields(std::string_view delimiter) : delimiter_(delimiter) {}

  // Splits the record that starts with `line` (read from `reader`, which supplies the next
  // lines when a quoted field holds a line break) into at most fields.size() fields, or into
  // all of them when `fields` is empty (a header). Returns how many it found. The views are
  // valid until the next call. Throws LineError for a quote inside an unquoted field or
  // after a closing quote, DataError for a quoted field that never closes.
  size_t split(std::string_view line, LineReader& reader, std::vector<std::string_view>& fields);

 private:
  size_t split_unquoted(std::string_view line, std::vector<std::string_view>& fields) const;
  size_t split_quoted(std::string_view line, LineReader& reader, std::vector<std::string_view>& fields);

  std::string delimiter_;
  std::vector<std::string> storage_;  // the fields of the last quoted record
};

}  // namespace spotlight
