#include "spotlight/framework/data/memory_budget.h"

#include <unistd.h>

#include <cstdio>

#include "spotlight/sdk/errors.h"

namespace spotlight {

namespace {

std::string gibibytes(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f GiB", static_cast<double>(bytes) / (1ull << 30));
  return text;
}

}  // namespace

uint64_t physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return UINT64_MAX;  // unknown: only overflow is refused
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size);
}

uint64_t require_memory(const std::string& what, std::initializer_list<uint64_t> factors) {
  uint64_t bytes = 1;
  bool overflow = false;
  for (uint64_t factor : factors) overflow = overflow || __builtin_mul_overflow(bytes, factor, &bytes);
  const uint64_t memory = physical_memory_bytes();
  if (overflow) throw DataError(what + " would need more memory than any machine has; the sizes are too large");
  if (bytes > memory) {
    throw DataError(what + " would need " + gibibytes(bytes) + ", more than this machine's " + gibibytes(memory) +
                    " of memory");
  }
  return bytes;
}

}  // namespace spotlight
