#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "spotlight/framework/data/interactions.h"

namespace spotlight {

// How raw ids in a file become dense ids.
enum class IdMapping {
  dense,  // 0..n-1 in order of first appearance; raw ids kept in Interactions::users/items
  raw,    // numeric ids used as they are (Spotlight's MovieLens datasets); counts = max + 1
};

// What to do with a line that cannot be parsed.
enum class MalformedLines { error, skip };

// The error when a file's timestamps are asked for twice: from a column and from the row order.
inline constexpr const char* kTimestampsTwice =
    "both timestamp_column and rows_in_time_order given; the timestamps come from one of them";

struct DelimitedFileOptions {
  std::string delimiter = ",";  // one or more characters ("\t", ",", "::")
  bool header = false;          // the first line names the columns
  // Columns by name (with a header) or by 0-based position (without one, e.g. "0").
  std::string user_column;
  std::string item_column;
  std::optional<std::string> rating_column;
  std::optional<std::string> timestamp_column;
  std::optional<std::string> weight_column;
  // Without a timestamp column: the rows are in time order, and each row's timestamp is its
  // position among the rows read (0, 1, 2, ...), as in SASRec's "user item" files.
  bool rows_in_time_order = false;
  IdMapping ids = IdMapping::dense;
  // Ids are whole numbers whatever the mapping (MovieLens): "abc" is a malformed line.
  bool numeric_ids = false;
  MalformedLines malformed = MalformedLines::error;
};

struct LoadedInteractions {
  Interactions interactions;
  size_t skipped_lines = 0;  // malformed lines skipped (only with MalformedLines::skip)
};

// Reads a delimited text file. A malformed line is a DataError "FILE:LINE: reason" unless
// options.malformed says to skip (and count) it.
LoadedInteractions load_delimited_file(const std::filesystem::path& file, const DelimitedFileOptions& options);

// MovieLens in every published layout, detected from the folder (or the file given):
// u.data (100K, tab-separated, no header), ratings.dat (1M/10M, "::"), ratings.csv
// (20M/25M/latest, header userId,movieId,rating,timestamp).
LoadedInteractions load_movielens(const std::filesystem::path& path, IdMapping ids, MalformedLines malformed);

}  // namespace spotlight
