#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace spotlight {

// Opens `file` for reading, refusing anything but a regular file before it can block or
// stream forever: a FIFO, a device (/dev/zero, /dev/urandom) or a directory is an Error
// "<file>: not a regular file (<what>)", a missing one "<file>: cannot open <what>". Returns
// the descriptor (the caller closes it) and sets `size`.
int open_regular_file(const std::filesystem::path& file, const std::string& what, uint64_t& size);

// The whole of a small file (an experiment, checkpoint metadata), read through
// open_regular_file; an Error naming the file and the limit when it is longer than `max_bytes`.
std::string read_bounded_file(const std::filesystem::path& file, const std::string& what, uint64_t max_bytes);

}  // namespace spotlight
