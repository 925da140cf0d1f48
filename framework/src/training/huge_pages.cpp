#include "spotlight/framework/training/huge_pages.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <new>

#include <c10/core/CPUAllocator.h>

namespace spotlight {

namespace {

constexpr size_t kAlignment = 64;              // LibTorch's own CPU alignment
constexpr size_t kLargeBlock = size_t{2} << 20;  // one huge page

void release(void* data) { std::free(data); }

class LargeBlocksOnHugePages final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t bytes) const override {
    const c10::Device cpu(c10::DeviceType::CPU);
    if (bytes == 0) return {nullptr, nullptr, &release, cpu};
    void* data = nullptr;
    if (posix_memalign(&data, kAlignment, bytes) != 0) throw std::bad_alloc();
    if (bytes >= kLargeBlock) {
      // The whole pages inside the block; the kernel backs each 2 MB-aligned stretch of them
      // with one huge page. A refusal (no THP in this kernel) leaves ordinary pages.
      static const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
      const auto start = (reinterpret_cast<uintptr_t>(data) + page - 1) / page * page;
      const auto end = (reinterpret_cast<uintptr_t>(data) + bytes) / page * page;
      if (end > start) madvise(reinterpret_cast<void*>(start), end - start, MADV_HUGEPAGE);
    }
    return {data, data, &release, cpu};
  }

  c10::DeleterFnPtr raw_deleter() const override { return &release; }
};

}  // namespace

void use_huge_pages_for_large_tensors() {
  // Kept for the life of the process: tensors made with it may outlive any scope.
  static auto* allocator = new LargeBlocksOnHugePages();
  // Above the default allocator's priority 0, so LibTorch's later default registration
  // cannot take the place back.
  c10::SetCPUAllocator(allocator, /*priority=*/1);
}

}  // namespace spotlight
