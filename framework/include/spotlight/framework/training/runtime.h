#pragma once

#include <cstdint>

namespace spotlight {

// Process-wide settings a training run makes once, before its first minibatch.

// Sets the threads LibTorch's intra-op pool and the system BLAS use; 0 means one per core.
// Debian's LibTorch calls whatever libblas.so.3 is installed (OpenBLAS in our setup), whose
// own thread pool would otherwise spin on every core whatever LibTorch was told.
void set_compute_threads(int64_t threads);

// Keeps freed large buffers in the process. glibc returns every freed block above its mmap
// threshold to the kernel, so the megabyte-sized tensors of each minibatch were mapped and
// page-faulted in again at every step (17% of a pooling run's time in the kernel).
void keep_freed_memory();

}  // namespace spotlight
