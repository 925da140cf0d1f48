// Fuzz target: load_movielens in each of its layouts. The first byte chooses the layout
// (byte % 3: u.data, ratings.dat, ratings.csv), the ids (bit 2: raw, else dense), what to
// do with a malformed line (bit 3: skip, else error) and whether the loader is given the
// folder, detecting the layout, or the file itself (bit 4: the file). The rest is the file.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.h"
#include "loaded_data_checks.h"
#include "spotlight/framework/data/text_loaders.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace spotlight;
  if (size == 0) return 0;
  static const char* const kFiles[] = {"u.data", "ratings.dat", "ratings.csv"};
  const uint8_t choice = data[0];
  const IdMapping ids = choice & 4 ? IdMapping::raw : IdMapping::dense;
  const MalformedLines malformed = choice & 8 ? MalformedLines::skip : MalformedLines::error;
  const fuzz::ScratchFile file(std::filesystem::path("movielens") / kFiles[choice % 3],
                               std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  const auto path = choice & 16 ? file.path() : file.path().parent_path();
  fuzz::expect_refusals([&] { fuzz::check_loaded(load_movielens(path, ids, malformed), ids); });
  return 0;
}
