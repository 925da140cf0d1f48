#pragma once

namespace spotlight {

// Makes LibTorch's CPU tensors ask the kernel for transparent huge pages (madvise
// MADV_HUGEPAGE), so the first minibatches of a run touch their working set with one page
// fault per 2 MB instead of one per 4 KB. On a VM, where each fault is costly, that was most
// of a short run's first epoch (measured: the first minibatch of an LSTM at batch 1024 took
// 77 ms against 7 ms for the next ones). Tensors of 2 MB and more are advised one by one,
// wherever they lie; smaller ones through the main heap (brk), which is advised as it grows
// and grows 64 MB at a time, so the many small tensors of the main thread's minibatches share
// huge pages. Allocation and freeing are otherwise LibTorch's own (posix_memalign to 64
// bytes, free). Where the kernel gives huge pages only on request
// (transparent_hugepage "madvise", Debian's default) this is what turns them on; "always"
// needs no request and "never" ignores it. Call once, before tensors are made; safe to call
// again.
void use_huge_pages_for_large_tensors();

}  // namespace spotlight
