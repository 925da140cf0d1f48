#include <cmath>
#include <cstring>
#include <string_view>
#include <vector>

#include "spotlight/framework/data/text_loaders.h"
#include "spotlight/sdk/errors.h"
#include "src/data/loaders/delimited_fields.h"
#include "src/data/loaders/field_parsing.h"
#include "src/data/loaders/id_column.h"
#include "src/data/loaders/line_reader.h"

namespace spotlight {

namespace {

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
    // One column read as two things is a typo, and would train on nonsense with exit 0.
    const std::pair<size_t, const char*> roles[] = {
        {user, "user_column"}, {item, "item_column"}, {rating, "rating_column"}, {timestamp, "timestamp_column"},
        {weight, "weight_column"}};
    for (size_t a = 0; a < std::size(roles); ++a) {
      for (size_t b = a + 1; b < std::size(roles); ++b) {
        if (roles[a].first != kAbsent && roles[a].first == roles[b].first) {
          throw DataError(file.string() + ": " + roles[a].second + " and " + roles[b].second +
                          " name the same column; each column can be read as one thing only");
        }
      }
    }
    needed = std::max(user, item) + 1;
    for (size_t column : {rating, timestamp, weight}) {
      if (column != kAbsent) needed = std::max(needed, column + 1);
    }
  }
};

}  // namespace

LoadedInteractions load_delimited_file(const std::filesystem::path& file, const DelimitedFileOptions& options) {
  if (options.delimiter.empty()) throw DataError(file.string() + ": the delimiter is empty");
  if (options.rows_in_time_order && options.timestamp_column) {
    throw DataError(file.string() + ": " + kTimestampsTwice);
  }
  const std::string_view delimiter(options.delimiter);
  LineReader reader(file);
  DelimitedFields splitter(delimiter);
  std::string_view line;

  // A UTF-8 byte-order mark (spreadsheet exports start with one) is not part of the first field.
  constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
  bool first_line = true;
  const auto next_line = [&] {
    if (!reader.next(line)) return false;
    if (first_line && line.substr(0, kByteOrderMark.size()) == kByteOrderMark) line.remove_prefix(kByteOrderMark.size());
    first_line = false;
    return true;
  };

  std::vector<std::string_view> header;
  if (options.header) {
    if (!next_line()) throw DataError(file.string() + ": the file is empty; expected a header line");
    try {
      splitter.split(line, reader, header);
    } catch (const LineError& error) {
      throw DataError(file.string() + ":1: " + error.message);
    }
  }
  const Columns columns(options, header, file);

  LoadedInteractions loaded;
  Interactions& data = loaded.interactions;
  IdColumn users(options.ids, options.numeric_ids, "user"), items(options.ids, options.numeric_ids, "item");
  // Reserved once from the first block's line length: growing by doubling would copy each
  // array and briefly hold it twice.
  const size_t expected_rows = reader.estimated_lines();
  data.user_ids.reserve(expected_rows);
  data.item_ids.reserve(expected_rows);
  if (columns.rating != kAbsent) data.ratings.reserve(expected_rows);
  const bool timed = columns.timestamp != kAbsent || options.rows_in_time_order;
  if (timed) data.timestamps.reserve(expected_rows);
  if (columns.weight != kAbsent) data.weights.reserve(expected_rows);

  std::vector<std::string_view> fields(columns.needed);
  while (next_line()) {
    if (line.empty()) continue;
    const size_t line_number = reader.line_number();  // where the record starts
    try {
      const size_t found = splitter.split(line, reader, fields);
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
      if (options.rows_in_time_order) timestamp = static_cast<int64_t>(data.user_ids.size());
      const RawId user = users.parse(fields[columns.user]);
      const RawId item = items.parse(fields[columns.item]);
      data.user_ids.push_back(users.map(user));
      data.item_ids.push_back(items.map(item));
      if (columns.rating != kAbsent) data.ratings.push_back(rating);
      if (columns.weight != kAbsent) data.weights.push_back(weight);
      if (timed) data.timestamps.push_back(timestamp);
    } catch (const LineError& error) {
      if (options.malformed == MalformedLines::skip) {
        ++loaded.skipped_lines;
        continue;
      }
      throw DataError(file.string() + ":" + std::to_string(line_number) + ": " + error.message);
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
