// Fuzz target: RFC 4180 quoting in the `csv` loader, as a round trip. The input is cut at
// NUL bytes into fields, taken three at a time as (user, item, title) records. Each field is
// written as a spreadsheet would write it (quoted when it holds a comma, a quote, a line break
// or padding; quotes doubled) into a file with a header and a rating column after the title.
// Loading it must give back exactly the ids written, in order, and every rating: a quoted
// comma or line break that shifts a column is a finding even when nothing throws. Fields
// that are not valid ids (empty, not UTF-8, padded) are made valid first, so that every input
// exercises the quoting and none is merely refused.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "loaded_data_checks.h"
#include "spotlight/framework/data/text_loaders.h"
#include "../../framework/src/data/utf8.h"

namespace {

// A field any id column accepts: UTF-8, not empty, no space or "\r" at either end (ids
// are trimmed of those), no NUL.
std::string valid_id(std::string_view raw) {
  std::string id = spotlight::is_utf8(raw) ? std::string(raw) : spotlight::printable(raw);
  return "<" + id + ">";
}

std::string csv_field(const std::string& field) {
  if (field.find_first_of(",\"\r\n ") == std::string::npos) return field;
  std::string out = "\"";
  for (char c : field) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

[[noreturn]] void broken(const char* promise) {
  std::fprintf(stderr, "fuzz: quoted_csv: %s\n", promise);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace spotlight;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> fields;
  for (size_t start = 0; start <= input.size() && fields.size() < 3 * 64;) {
    size_t end = input.find('\0', start);
    if (end == std::string_view::npos) end = input.size();
    fields.emplace_back(input.substr(start, end - start));
    start = end + 1;
  }
  while (fields.size() % 3 != 0) fields.emplace_back("x");

  std::string file_text = "user,item,title,rating\n";
  std::vector<std::string> users, items;
  for (size_t i = 0; i < fields.size(); i += 3) {
    users.push_back(valid_id(fields[i]));
    items.push_back(valid_id(fields[i + 1]));
    // The title is never read: whatever it holds, it must stay inside its own column.
    file_text += csv_field(users.back()) + "," + csv_field(items.back()) + "," + csv_field(fields[i + 2]) + "," +
                 std::to_string(i / 3 % 5 + 1) + "\n";
  }
  const fuzz::ScratchFile file("data.csv", file_text);
  DelimitedFileOptions options;
  options.header = true;
  options.user_column = "user";
  options.item_column = "item";
  options.rating_column = "rating";
  LoadedInteractions loaded;
  try {
    loaded = load_delimited_file(file.path(), options);
  } catch (const Error& error) {
    std::fprintf(stderr, "fuzz: %s\n", error.what());
    broken("a file of valid, correctly quoted records was refused");
  }
  fuzz::check_loaded(loaded, options.ids);
  const Interactions& read = loaded.interactions;
  if (read.size() != users.size()) broken("a record was lost or split in two");
  for (size_t row = 0; row < users.size(); ++row) {
    if (read.users.raw_ids[static_cast<size_t>(read.user_ids[row])] != users[row] ||
        read.items.raw_ids[static_cast<size_t>(read.item_ids[row])] != items[row]) {
      broken("an id read back differs from the one written");
    }
    if (read.ratings[row] != static_cast<float>(row % 5 + 1)) broken("a column shifted: the rating differs");
  }
  return 0;
}
