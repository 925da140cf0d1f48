#include <charconv>
#include <cmath>
#include <fstream>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "spotlight/framework/text_loaders.h"
#include "spotlight/sdk/errors.h"

namespace spotlight {

namespace {

// A parse failure on one line; becomes "FILE:LINE: message" or a skipped line.
struct LineError {
  std::string message;
};

std::string read_whole_file(const std::filesystem::path& file) {
  std::ifstream input(file, std::ios::binary);
  if (!input) throw DataError(file.string() + ": cannot open the data file");
  input.seekg(0, std::ios::end);
  const auto size = static_cast<size_t>(input.tellg());
  input.seekg(0, std::ios::beg);
  std::string contents(size, '\0');
  if (size > 0 && !input.read(contents.data(), static_cast<std::streamsize>(size))) {
    throw DataError(file.string() + ": cannot read the data file");
  }
  return contents;
}

void split_fields(std::string_view line, std::string_view delimiter, std::vector<std::string_view>& fields) {
  fields.clear();
  size_t start = 0;
  for (;;) {
    const size_t end = line.find(delimiter, start);
    if (end == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return;
    }
    fields.push_back(line.substr(start, end - start));
    start = end + delimiter.size();
  }
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '"')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '"' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

// Plain decimals ("4", "3.5", "-0.25") without the general parser, which costs more than
// the rest of a line; false for anything else (exponents, nan, inf), which takes the slow way.
bool parse_plain_decimal(std::string_view text, float& value) {
  size_t i = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) ++i;
  if (i == text.size()) return false;
  double number = 0.0;
  size_t digits = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits) number = number * 10.0 + (text[i] - '0');
  if (i < text.size() && text[i] == '.') {
    double scale = 0.1;
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++digits, scale *= 0.1) {
      number += (text[i] - '0') * scale;
    }
  }
  if (i != text.size() || digits == 0 || digits > 15) return false;
  value = static_cast<float>(negative ? -number : number);
  return true;
}

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

// Raw ids to dense ids in order of first appearance (or the raw number itself). Integer ids
// written canonically (no sign, no leading zero) take a fast path keyed by their value; any
// other text switches the column to string keys, carrying over the ids seen so far.
class IdMapper {
 public:
  IdMapper(IdMapping mapping, const char* what) : mapping_(mapping), what_(what) {}

  // Throws the LineError map() would, without remembering the id: a line is checked whole
  // before any of its ids enters a map, so a skipped line leaves no user or item behind.
  void check(std::string_view raw) const {
    raw = trim(raw);
    if (raw.empty()) throw LineError{std::string(what_) + " id is empty"};
    if (mapping_ == IdMapping::raw) {
      const auto id = parse_number<int64_t>(raw, what_);
      if (id < 0) throw LineError{std::string(what_) + " id " + std::to_string(id) + " is negative"};
    }
  }

  // The dense id of a checked raw id.
  int64_t map(std::string_view raw) {
    raw = trim(raw);
    if (mapping_ == IdMapping::raw) {
      const auto id = parse_number<int64_t>(raw, what_);
      largest_ = std::max(largest_, id);
      return id;
    }
    if (by_number_) {
      int64_t number = 0;
      const auto [end, error] = std::from_chars(raw.data(), raw.data() + raw.size(), number);
      const bool canonical = error == std::errc() && end == raw.data() + raw.size() && number >= 0 &&
                             (raw.size() == 1 || raw.front() != '0');
      if (canonical) {
        auto [found, inserted] = by_value_.try_emplace(number, static_cast<int64_t>(numbers_.size()));
        if (inserted) numbers_.push_back(number);
        return found->second;
      }
      switch_to_text();
    }
    auto [found, inserted] = by_text_.try_emplace(std::string(raw), static_cast<int64_t>(texts_.size()));
    if (inserted) texts_.emplace_back(raw);
    return found->second;
  }

  int64_t count() const {
    if (mapping_ == IdMapping::raw) return largest_ + 1;
    return static_cast<int64_t>(by_number_ ? numbers_.size() : texts_.size());
  }

  IdMap take_map() {
    if (by_number_) {
      texts_.reserve(numbers_.size());
      for (int64_t number : numbers_) texts_.push_back(std::to_string(number));
    }
    return IdMap{std::move(texts_)};
  }

 private:
  void switch_to_text() {
    by_number_ = false;
    for (int64_t number : numbers_) {
      by_text_.emplace(std::to_string(number), static_cast<int64_t>(texts_.size()));
      texts_.push_back(std::to_string(number));
    }
    numbers_.clear();
    by_value_.clear();
  }

  IdMapping mapping_;
  const char* what_;
  int64_t largest_ = -1;
  bool by_number_ = true;
  std::unordered_map<int64_t, int64_t> by_value_;
  std::vector<int64_t> numbers_;
  std::unordered_map<std::string, int64_t> by_text_;
  std::vector<std::string> texts_;
};

// A column given by header name, or by 0-based position when there is no header.
size_t column_index(const std::string& column, const std::vector<std::string_view>& header,
                    const std::filesystem::path& file) {
  if (header.empty()) {
    size_t index = 0;
    const auto [end, error] = std::from_chars(column.data(), column.data() + column.size(), index);
    if (error != std::errc() || end != column.data() + column.size()) {
      throw DataError(file.string() + ": column \"" + column + "\" must be a 0-based position when there is no header");
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

}  // namespace

LoadedInteractions load_delimited_file(const std::filesystem::path& file, const DelimitedFileOptions& options) {
  if (options.delimiter.empty()) throw DataError(file.string() + ": the delimiter is empty");
  const std::string contents = read_whole_file(file);
  const std::string_view text(contents);
  std::vector<std::string_view> fields;
  fields.reserve(8);

  size_t position = 0;
  size_t line_number = 0;
  auto next_line = [&](std::string_view& line) {
    if (position >= text.size()) return false;
    size_t end = text.find('\n', position);
    if (end == std::string_view::npos) end = text.size();
    line = text.substr(position, end - position);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    position = end + 1;
    ++line_number;
    return true;
  };

  std::vector<std::string_view> header;
  std::string_view line;
  if (options.header) {
    if (!next_line(line)) throw DataError(file.string() + ": the file is empty; expected a header line");
    split_fields(line, options.delimiter, header);
  }
  const size_t user_column = column_index(options.user_column, header, file);
  const size_t item_column = column_index(options.item_column, header, file);
  auto optional_column = [&](const std::optional<std::string>& column) -> std::optional<size_t> {
    if (!column) return std::nullopt;
    return column_index(*column, header, file);
  };
  const auto rating_column = optional_column(options.rating_column);
  const auto timestamp_column = optional_column(options.timestamp_column);
  const auto weight_column = optional_column(options.weight_column);
  size_t needed = std::max(user_column, item_column) + 1;
  for (const auto& column : {rating_column, timestamp_column, weight_column}) {
    if (column) needed = std::max(needed, *column + 1);
  }

  LoadedInteractions loaded;
  Interactions& data = loaded.interactions;
  IdMapper users(options.ids, "user"), items(options.ids, "item");
  // ~30 bytes a line in MovieLens files: reserve once instead of growing 20 times.
  const size_t expected_rows = text.size() / 24 + 1;
  data.user_ids.reserve(expected_rows);
  data.item_ids.reserve(expected_rows);
  if (rating_column) data.ratings.reserve(expected_rows);
  if (timestamp_column) data.timestamps.reserve(expected_rows);

  while (next_line(line)) {
    if (line.empty()) continue;
    try {
      split_fields(line, options.delimiter, fields);
      if (fields.size() < needed) {
        throw LineError{"expected at least " + std::to_string(needed) + " fields separated by \"" + options.delimiter +
                        "\", got " + std::to_string(fields.size())};
      }
      // Parse every field before appending any, so a skipped line leaves no partial row.
      float rating = 0, weight = 0;
      int64_t timestamp = 0;
      if (rating_column) {
        rating = parse_number<float>(fields[*rating_column], "rating");
        if (!std::isfinite(rating)) throw LineError{"rating is not a finite number"};
      }
      if (weight_column) {
        weight = parse_number<float>(fields[*weight_column], "weight");
        if (!std::isfinite(weight)) throw LineError{"weight is not a finite number"};
      }
      if (timestamp_column) timestamp = parse_number<int64_t>(fields[*timestamp_column], "timestamp");
      users.check(fields[user_column]);
      items.check(fields[item_column]);
      const int64_t user = users.map(fields[user_column]);
      const int64_t item = items.map(fields[item_column]);
      data.user_ids.push_back(user);
      data.item_ids.push_back(item);
      if (rating_column) data.ratings.push_back(rating);
      if (weight_column) data.weights.push_back(weight);
      if (timestamp_column) data.timestamps.push_back(timestamp);
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
