#include "src/data/loaders/delimited_fields.h"

#include <cstring>

#include "spotlight/sdk/errors.h"
#include "src/data/loaders/id_column.h"

namespace spotlight {

namespace {

// A quoted record may span lines, but not without bound: the same limit as one line.
constexpr size_t kMaxRecordBytes = size_t{1} << 20;

}  // namespace

size_t DelimitedFields::split(std::string_view line, LineReader& reader, std::vector<std::string_view>& fields) {
  if (std::memchr(line.data(), '"', line.size()) == nullptr) return split_unquoted(line, fields);
  return split_quoted(line, reader, fields);
}

size_t DelimitedFields::split_unquoted(std::string_view line, std::vector<std::string_view>& fields) const {
  const bool all = fields.empty();
  const size_t wanted = all ? std::string_view::npos : fields.size();
  size_t count = 0, start = 0;
  while (count < wanted) {
    size_t end;
    if (delimiter_.size() == 1) {
      const void* found = std::memchr(line.data() + start, delimiter_[0], line.size() - start);
      end = found ? static_cast<size_t>(static_cast<const char*>(found) - line.data()) : std::string_view::npos;
    } else {
      end = line.find(delimiter_, start);
    }
    const std::string_view field = line.substr(start, end == std::string_view::npos ? end : end - start);
    if (all) fields.push_back(field);
    else fields[count] = field;
    ++count;
    if (end == std::string_view::npos) break;
    start = end + delimiter_.size();
  }
  return count;
}

size_t DelimitedFields::split_quoted(std::string_view line, LineReader& reader, std::vector<std::string_view>& fields) {
  const size_t first_line = reader.line_number();
  const bool all = fields.empty();
  const size_t wanted = all ? std::string_view::npos : fields.size();
  storage_.clear();
  size_t count = 0;  // fields in the record; only the first `wanted` are kept
  size_t record_bytes = line.size();
  size_t i = 0;
  for (;;) {  // one field per pass
    std::string field;
    // Spaces before an opening quote are padding, as the unquoted path trims them.
    size_t quote = i;
    while (quote < line.size() && line[quote] == ' ') ++quote;
    if (quote < line.size() && line[quote] == '"') {
      i = quote + 1;
      for (;;) {
        const size_t close = line.find('"', i);
        if (close == std::string_view::npos) {  // the field goes on after a line break
          field.append(line.substr(i));
          if (reader.ended_in_carriage_return()) field += '\r';
          if (!reader.next(line)) {
            throw DataError(reader.file().string() + ":" + std::to_string(first_line) +
                            ": a quoted field opens here and never closes");
          }
          record_bytes += line.size() + 1;
          if (record_bytes > kMaxRecordBytes) {
            throw DataError(reader.file().string() + ":" + std::to_string(first_line) +
                            ": a quoted field longer than 1 MiB; is a closing quote missing?");
          }
          field += '\n';
          i = 0;
          continue;
        }
        field.append(line.substr(i, close - i));
        if (close + 1 < line.size() && line[close + 1] == '"') {  // "" is a quote
          field += '"';
          i = close + 2;
          continue;
        }
        i = close + 1;
        break;
      }
      while (i < line.size() && line[i] == ' ') ++i;
      if (i < line.size() && line.compare(i, delimiter_.size(), delimiter_) != 0) {
        throw LineError{"text after the closing quote of field " + std::to_string(count + 1) +
                        "; a quote inside a quoted field is written twice (\"\")"};
      }
    } else {
      size_t end = line.find(delimiter_, i);
      if (end == std::string_view::npos) end = line.size();
      const std::string_view text = line.substr(i, end - i);
      if (text.find('"') != std::string_view::npos) {
        throw LineError{"a quote inside unquoted field " + std::to_string(count + 1) +
                        "; quote the whole field (\"...\") and write the quote twice"};
      }
      field.assign(text);
      i = end;
    }
    // Every field is read, even past the last one wanted: a later quoted field may hold a
    // line break, and its next line is not a record.
    if (count++ < wanted) storage_.push_back(std::move(field));
    if (i >= line.size()) break;
    i += delimiter_.size();
    if (i == line.size()) {  // a delimiter at the very end: one more, empty field
      if (count++ < wanted) storage_.emplace_back();
      break;
    }
  }
  for (size_t k = 0; k < storage_.size(); ++k) {
    if (all) fields.push_back(storage_[k]);
    else fields[k] = storage_[k];
  }
  return count;
}

}  // namespace spotlight
