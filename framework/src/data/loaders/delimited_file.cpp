#include <cmath>
#include <cstring>
#include <string_view>
#include <vector>

#include "spotlight/framework/data/text_loaders.h"
#include "spotlight/sdk/errors.h"
#include "src/data/loaders/field_parsing.h"
#include "src/data/loaders/id_column.h"
#include "src/data/loaders/line_reader.h"

namespace spotlight {

namespace {

// Cuts `line` at `delimiter` into at most fields.size() fields (the later ones are never
// looked at) and returns how many it found. memchr for the usual one-character delimiter.
size_t split_fields(std::string_view line, std::string_view delimiter, std::vector<std::string_view>& fields) {
  const size_t wanted = fields.size();
  size_t count = 0, start = 0;
  while (count < wanted) {
    size_t end;
    if (delimiter.size() == 1) {
      const void* found = std::memchr(line.data() + start, delimiter[0], line.size() - start);
      end = found ? static_cast<size_t>(static_cast<const char*>(found) - line.data()) : std::string_view::npos;
    } else {
      end = line.find(delimiter, start);
    }
    if (end == std::string_view::npos) {
      fields[count++] = line.substr(start);
      break;
    }
    fields[count++] = line.substr(start, end - start);
    start = end + delimiter.size();
  }
  return count;
}

// Every field of a header line.
std::vector<std::string_view> split_header(std::string_view line, std::string_view delimiter) {
  std::vector<std::string_view> header;
  size_t start = 0;
  for (;;) {
    const size_t end = line.find(delimiter, start);
    header.push_back(line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return header;
    start = end + delimiter.size();
  }
}

// Every line is cut into as many fields as the furthest column needs, so a position is also
// the size of an allocation: a typo such as 978302109 must not ask for 15 GB.
constexpr size_t kLargestColumnPosition = 65535;

// A column given by header name, or by 0-based position when there is no header.
size_t column_index(const std::string& column, const std::vector<std::string_view>& header,
                    const std::filesystem::path& file) {
  if (header.empty()) {
    size_t index = 0;
    const auto [end, error] = std::from_chars(column.data(), column.data() + column.size(), index);
    if (error != std::errc() || end != column.data() + column.size()) {
      throw DataError(file.string() + ": column \"" + column + "\" must be a 0-based position when there is no header");
    }
    if (index > kLargestColumnPosition) {
      throw DataError(file.string() + ": column position " + column + " is too large; positions go up to " +
                      std::to_string(kLargestColumnPosition));
    }
    return index;
  }
  for (size_t i = 0; i < header.size(); ++i) {
    if (trim(header[i]) == column) return i;
  }
  std::string names;
  for (const auto& name : header) names += (names.empty() ? "" : ", ") + std::string(trim(name));
  throw DataError(file.string() + ":1: no column named \"" + column + "\" (columns: " + names + ")");
}

constexpr size_t kAbsent = static_cast<size_t>(-1);

// Column positions, resolved once from the header or the options.
struct Columns {
  size_t user = 0, item = 0, rating = kAbsent, timestamp = kAbsent, weight = kAbsent;
  size_t needed = 0;  // fields a line must have

  Columns(const DelimitedFileOptions& options, const std::vector<std::string_view>& header,
          const std::filesystem::path& file) {
    user = column_index(options.user_column, header, file);
    item = column_index(options.item_column, header, file);
    if (options.rating_column) rating = column_index(*options.rating_column, header, file);
    if (options.timestamp_column) timestamp = column_index(*options.timestamp_column, header, file);
    if (options.weight_column) weight = column_index(*options.weight_column, header, file);
    needed = std::max(user, item) + 1;
    for (size_t column : {rating, timestamp, weight}) {
      if (column != kAbsent) needed = std::max(needed, column + 1);
    }
  }
};

}  // namespace

LoadedInteractions load_delimited_file(const std::filesystem::path& file, const DelimitedFileOptions& options) {
  if (options.delimiter.empty()) throw DataError(file.string() + ": the delimiter is empty");
  const std::string_view delimiter(options.delimiter);
  LineReader reader(file);
  std::string_view line;

  std::vector<std::string_view> header;
  if (options.header) {
    if (!reader.next(line)) throw DataError(file.string() + ": the file is empty; expected a header line");
    header = split_header(line, delimiter);
  }
  const Columns columns(options, header, file);

  LoadedInteractions loaded;
  Interactions& data = loaded.interactions;
  IdColumn users(options.ids, "user"), items(options.ids, "item");
  // Reserved once from the first block's line length: growing by doubling would copy each
  // array and briefly hold it twice.
  const size_t expected_rows = reader.estimated_lines();
  data.user_ids.reserve(expected_rows);
  data.item_ids.reserve(expected_rows);
  if (columns.rating != kAbsent) data.ratings.reserve(expected_rows);
  if (columns.timestamp != kAbsent) data.timestamps.reserve(expected_rows);
  if (columns.weight != kAbsent) data.weights.reserve(expected_rows);

  std::vector<std::string_view> fields(columns.needed);
  while (reader.next(line)) {
    if (line.empty()) continue;
    try {
      const size_t found = split_fields(line, delimiter, fields);
      if (found < columns.needed) {
        throw LineError{"expected at least " + std::to_string(columns.needed) + " fields separated by \"" +
                        options.delimiter + "\", got " + std::to_string(found)};
      }
      // Parse every field before appending any, so a skipped line leaves no partial row.
      float rating = 0, weight = 0;
      int64_t timestamp = 0;
      if (columns.rating != kAbsent) {
        rating = parse_number<float>(fields[columns.rating], "rating");
        if (!std::isfinite(rating)) throw LineError{"rating is not a finite number"};
      }
      if (columns.weight != kAbsent) {
        weight = parse_number<float>(fields[columns.weight], "weight");
        if (!std::isfinite(weight)) throw LineError{"weight is not a finite number"};
      }
      if (columns.timestamp != kAbsent) timestamp = parse_number<int64_t>(fields[columns.timestamp], "timestamp");
      const RawId user = users.parse(fields[columns.user]);
      const RawId item = items.parse(fields[columns.item]);
      data.user_ids.push_back(users.map(user));
      data.item_ids.push_back(items.map(item));
      if (columns.rating != kAbsent) data.ratings.push_back(rating);
      if (columns.weight != kAbsent) data.weights.push_back(weight);
      if (columns.timestamp != kAbsent) data.timestamps.push_back(timestamp);
    } catch (const LineError& error) {
      if (options.malformed == MalformedLines::skip) {
        ++loaded.skipped_lines;
        continue;
      }
      throw DataError(file.string() + ":" + std::to_string(reader.line_number()) + ": " + error.message);
    }
  }
  if (data.user_ids.empty()) throw DataError(file.string() + ": no interactions in the file");
  data.num_users = users.count();
  data.num_items = items.count();
  data.users = users.take_map();
  data.items = items.take_map();
  return loaded;
}

}  // namespace spotlight
