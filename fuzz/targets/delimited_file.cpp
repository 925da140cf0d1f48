// Fuzz target: load_delimited_file, the `csv` dataset loader. The first line of the input
// chooses the options, the rest is the file. Options are space-separated words:
//   header  raw  skip  sep=X  user=C  item=C  rating=C  time=C  weight=C
// (`header`: the file has a header line; `raw`: ids: raw, else dense; `skip`: on_malformed:
// skip, else error; X is the delimiter, `tab` and `space` spelled out; C a column name, or a
// 0-based position without a header). Absent: sep=, user=0 item=1, no other column.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "loaded_data_checks.h"
#include "spotlight/framework/data/text_loaders.h"

namespace {

using spotlight::DelimitedFileOptions;

DelimitedFileOptions parse_options(std::string_view line) {
  DelimitedFileOptions options;
  options.user_column = "0";
  options.item_column = "1";
  for (size_t start = 0; start < line.size();) {
    size_t end = line.find(' ', start);
    if (end == std::string_view::npos) end = line.size();
    const std::string_view word = line.substr(start, end - start);
    start = end + 1;
    const size_t equals = word.find('=');
    const std::string_view key = word.substr(0, equals);
    const std::string value(equals == std::string_view::npos ? std::string_view() : word.substr(equals + 1));
    if (word == "header") {
      options.header = true;
    } else if (word == "raw") {
      options.ids = spotlight::IdMapping::raw;
    } else if (word == "skip") {
      options.malformed = spotlight::MalformedLines::skip;
    } else if (key == "sep") {
      options.delimiter = value == "tab" ? "\t" : value == "space" ? " " : value;
    } else if (key == "user") {
      options.user_column = value;
    } else if (key == "item") {
      options.item_column = value;
    } else if (key == "rating") {
      options.rating_column = value;
    } else if (key == "time") {
      options.timestamp_column = value;
    } else if (key == "weight") {
      options.weight_column = value;
    }
  }
  return options;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace spotlight;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const DelimitedFileOptions options = parse_options(input.substr(0, newline));
  const fuzz::ScratchFile file("data.csv", newline == std::string_view::npos ? "" : input.substr(newline + 1));
  fuzz::expect_refusals([&] { fuzz::check_loaded(load_delimited_file(file.path(), options), options.ids); });
  return 0;
}
