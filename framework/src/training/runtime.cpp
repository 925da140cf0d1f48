#include "spotlight/framework/training/runtime.h"

#include <dlfcn.h>
#include <malloc.h>

#include <algorithm>
#include <thread>

#include <ATen/Parallel.h>

namespace spotlight {

void set_compute_threads(int64_t threads) {
  const int count = threads > 0 ? static_cast<int>(threads)
                                : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(count);
  // Looked up at run time: the BLAS behind libblas.so.3 may not be OpenBLAS.
  using SetThreads = void (*)(int);
  if (auto* set_blas_threads = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
    set_blas_threads(count);
  }
}

void keep_freed_memory() {
  // Serve every allocation from the heap and never trim it: a run's working set is reused
  // minibatch after minibatch, and is returned to the system when the process ends.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, -1);
}

}  // namespace spotlight
