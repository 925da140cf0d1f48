#pragma once

// SPOTLIGHT_VECTOR_CLONES before a function with a hot loop compiles it once per x86-64
// instruction set (AVX-512; x86-64-v3, which is AVX2 with FMA; baseline) and picks the widest
// the machine has when the library loads, so a portable build still vectorises at full width.
// The middle clone is chosen by feature, not by CPU name, so AMD's AVX2 CPUs get it too.
// Empty elsewhere, under AddressSanitizer (whose checks do not mix with ifunc resolvers), and in
// a build for one instruction set (SPOTLIGHT_FIXED_ISA, set by CMake's option of that name).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(SPOTLIGHT_FIXED_ISA)
#define SPOTLIGHT_VECTOR_CLONES __attribute__((target_clones("avx512f", "arch=x86-64-v3", "default")))
#else
#define SPOTLIGHT_VECTOR_CLONES
#endif
