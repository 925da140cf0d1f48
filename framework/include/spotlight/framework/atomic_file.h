#pragma once

#include <filesystem>
#include <string>

namespace spotlight {

// Writes `contents` to a temporary file beside `file`, flushes it to disk and renames it
// over `file`, so a reader sees the old file or the new one, never half of one.
void write_file_atomically(const std::filesystem::path& file, const std::string& contents);

}  // namespace spotlight
