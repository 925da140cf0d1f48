#include "spotlight/framework/training/runtime.h"

#include <dlfcn.h>
#include <malloc.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <thread>

#include <ATen/Parallel.h>

namespace spotlight {

namespace {

// OpenBLAS kernel sets that use AVX2 and FMA, and those among them that use AVX-512.
bool is_avx2_kernel_set(const std::string& name) {
  return name == "Haswell" || name == "Zen" || name == "SkylakeX" || name == "Cooperlake" || name == "SapphireRapids";
}
bool is_avx512_kernel_set(const std::string& name) {
  return name == "SkylakeX" || name == "Cooperlake" || name == "SapphireRapids";
}

bool cpu_has_avx512() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512cd");
}
bool cpu_has_avx2() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }

// Chosen once, before main and before any matrix product.
const std::string kBlasKernels = use_best_blas_kernels();

}  // namespace

std::string use_best_blas_kernels() {
  // Looked up at run time: the BLAS behind libblas.so.3 may not be OpenBLAS, or may be an
  // OpenBLAS built for one CPU (no kernel sets to choose from).
  using Name = char* (*)();
  using Call = void (*)();
  auto* corename = reinterpret_cast<Name>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  auto* quit = reinterpret_cast<Call>(dlsym(RTLD_DEFAULT, "gotoblas_dynamic_quit"));
  auto* init = reinterpret_cast<Call>(dlsym(RTLD_DEFAULT, "gotoblas_dynamic_init"));
  if (!corename) return "";
  const std::string current = corename();
  if (!quit || !init || std::getenv("OPENBLAS_CORETYPE")) return current;  // not ours to choose, or the user's choice
  const char* wanted = nullptr;
  if (cpu_has_avx512() && !is_avx512_kernel_set(current)) {
    wanted = "SkylakeX";
  } else if (!cpu_has_avx512() && cpu_has_avx2() && !is_avx2_kernel_set(current)) {
    wanted = "Haswell";
  }
  if (!wanted) return current;
  ::setenv("OPENBLAS_CORETYPE", wanted, 1);
  quit();
  init();
  ::unsetenv("OPENBLAS_CORETYPE");
  return corename();
}

const std::string& blas_kernels() { return kBlasKernels; }

std::string vector_instruction_set() {
#ifdef SPOTLIGHT_FIXED_ISA
  // Built for one instruction set: what the compiler was allowed, whatever the CPU has.
#if defined(__AVX512F__)
  return "avx512f (fixed at build time)";
#elif defined(__AVX2__) && defined(__FMA__)
  return "avx2 (fixed at build time)";
#else
  return "x86-64 (fixed at build time)";
#endif
#else
  if (__builtin_cpu_supports("avx512f")) return "avx512f";
  if (__builtin_cpu_supports("x86-64-v3")) return "avx2";  // the clone for AVX2 with FMA
  return "x86-64";
#endif
}

int64_t core_count() { return std::max(1u, std::thread::hardware_concurrency()); }

void set_compute_threads(int64_t threads) {
  const int count = static_cast<int>(threads > 0 ? threads : core_count());
  at::set_num_threads(count);
  // Looked up at run time: the BLAS behind libblas.so.3 may not be OpenBLAS.
  using SetThreads = void (*)(int);
  if (auto* set_blas_threads = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
    set_blas_threads(count);
  }
}

ComputeThreadsScope::ComputeThreadsScope(int64_t threads) : previous_(at::get_num_threads()) {
  set_compute_threads(threads);
}

ComputeThreadsScope::~ComputeThreadsScope() { set_compute_threads(previous_); }

void keep_freed_memory() {
  // Serve every allocation under 256 MB from the heap and never trim it: a run's working set
  // is reused minibatch after minibatch, and is returned to the system when the process ends.
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, -1);
}

}  // namespace spotlight
