#include "spotlight/framework/training/huge_pages.h"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>

#include <c10/core/CPUAllocator.h>

namespace spotlight {

namespace {

constexpr size_t kAlignment = 64;              // LibTorch's own CPU alignment
constexpr size_t kLargeBlock = size_t{2} << 20;  // one huge page

constexpr int kHeapGrowth = 64 << 20;          // how far past a request the heap grows

void release(void* data) { std::free(data); }

uintptr_t page_size() {
  static const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  return page;
}

// The process's main heap (brk), where glibc serves the main thread's allocations under the
// mmap threshold: most of a minibatch's tensors are well under 2 MB each, so it is advised
// as a whole, each stretch once as the heap grows, and the tensors packed into a 2 MB
// stretch share one huge page and one page fault.
class GrowingHeap {
 public:
  GrowingHeap() : advised_(reinterpret_cast<uintptr_t>(sbrk(0)) / page_size() * page_size()) {
    // Grow in large steps, so that whole 2 MB stretches lie inside the heap when first touched.
    mallopt(M_TOP_PAD, kHeapGrowth);
  }

  void advise_growth() {
    const auto top = reinterpret_cast<uintptr_t>(sbrk(0)) / page_size() * page_size();
    if (top <= advised_.load(std::memory_order_relaxed)) return;
    const std::lock_guard<std::mutex> lock(mutex_);
    const uintptr_t from = advised_.load(std::memory_order_relaxed);
    if (top <= from) return;
    madvise(reinterpret_cast<void*>(from), top - from, MADV_HUGEPAGE);
    advised_.store(top, std::memory_order_relaxed);
  }

 private:
  std::mutex mutex_;
  std::atomic<uintptr_t> advised_;  // the heap below this is advised
};

class LargeBlocksOnHugePages final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t bytes) const override {
    const c10::Device cpu(c10::DeviceType::CPU);
    if (bytes == 0) return {nullptr, nullptr, &release, cpu};
    void* data = nullptr;
    if (posix_memalign(&data, kAlignment, bytes) != 0) throw std::bad_alloc();
    heap_.advise_growth();
    if (bytes >= kLargeBlock) {
      // The whole pages inside the block (which may lie outside the main heap: mapped on its
      // own, or in another thread's arena); the kernel backs each 2 MB-aligned stretch of them
      // with one huge page. A refusal (no THP in this kernel) leaves ordinary pages.
      const auto page = page_size();
      const auto start = (reinterpret_cast<uintptr_t>(data) + page - 1) / page * page;
      const auto end = (reinterpret_cast<uintptr_t>(data) + bytes) / page * page;
      if (end > start) madvise(reinterpret_cast<void*>(start), end - start, MADV_HUGEPAGE);
    }
    return {data, data, &release, cpu};
  }

  c10::DeleterFnPtr raw_deleter() const override { return &release; }

 private:
  mutable GrowingHeap heap_;
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
