#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

namespace spotlight {

// The machine's physical memory in bytes.
uint64_t physical_memory_bytes();

// The bytes `what` needs, the product of `factors` (a count of elements, their size, ...),
// computed with overflow checks. A product that overflows or exceeds the machine's physical
// memory is a DataError naming `what` and both sizes: sizes come from users, and a typo
// must fail with a sentence, not with std::bad_alloc or the kernel's OOM killer.
uint64_t require_memory(const std::string& what, std::initializer_list<uint64_t> factors);

}  // namespace spotlight
