#pragma once

#include <cstdint>
#include <string>

namespace spotlight {

// Process-wide settings a training run makes once, before its first minibatch.

// OpenBLAS picks its kernels by CPU model, and a model newer than the installed OpenBLAS
// knows falls back to its SSE3 kernels: Debian 12's OpenBLAS 0.3.21 runs "Prescott" code on
// an Emerald Rapids Xeon (family 6, model 207) with AVX-512, 1.5x slower on a sequence model's
// epoch. When the CPU has AVX-512 (or AVX2 and FMA) and OpenBLAS chose kernels without it,
// this switches OpenBLAS to its SkylakeX (or Haswell) kernels. It runs by itself once before
// main; OPENBLAS_CORETYPE set by the user is left alone (OPENBLAS_CORETYPE=Haswell forces the
// AVX2 kernels). Returns the kernel set in use ("" when the BLAS is not OpenBLAS).
std::string use_best_blas_kernels();

// The OpenBLAS kernel set chosen before main ("" when the BLAS is not OpenBLAS).
const std::string& blas_kernels();

// The instruction set our own vector loops (SPOTLIGHT_VECTOR_CLONES) run on this CPU.
std::string vector_instruction_set();

// The cores this machine offers (at least 1).
int64_t core_count();

// Sets the threads LibTorch's intra-op pool and the system BLAS use; 0 means one per core.
// Debian's LibTorch calls whatever libblas.so.3 is installed (OpenBLAS in our setup), whose
// own thread pool would otherwise spin on every core whatever LibTorch was told.
void set_compute_threads(int64_t threads);

// set_compute_threads(threads) while it lives; the count before returns when it ends. Work
// split over threads of its own (evaluation's scoring workers, the parts of a minibatch)
// runs each thread's products on one thread under it.
class ComputeThreadsScope {
 public:
  explicit ComputeThreadsScope(int64_t threads);
  ~ComputeThreadsScope();
  ComputeThreadsScope(const ComputeThreadsScope&) = delete;
  ComputeThreadsScope& operator=(const ComputeThreadsScope&) = delete;

 private:
  int64_t previous_;
};

// Keeps freed minibatch-sized buffers in the process. glibc returns every freed block above
// its mmap threshold to the kernel, so the megabyte-sized tensors of each minibatch were
// mapped and page-faulted in again at every step (17% of a pooling run's time in the kernel).
// Blocks of 256 MB and more (a large dataset's columns, made once) are still mapped on their
// own and go back to the kernel when freed, so the split and the evaluation matrices reuse
// the memory the loaded columns held.
void keep_freed_memory();

}  // namespace spotlight
