#pragma once
// Instruction-set variants of the hot kernels.
//
// BRISK_CLONES marks a function for GCC's function multi-versioning: one clone for
// AVX-512, one for AVX2 and a baseline x86-64 one, chosen once at load time by the CPU.
// Sanitizer builds keep a single version (ifunc resolvers run before the sanitizer
// runtime). BRISK_HAVE_AVX512 says whether hand-written AVX-512 paths are compiled in;
// they are taken only when the CPU has AVX-512 (checked at run time).
//
// Every kernel also has a scalar reference (`*_ref`), and all variants are compiled with
// -ffp-contract=off so that they round exactly like it.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__)
#define BRISK_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#define BRISK_HAVE_AVX512 1
#else
#define BRISK_HAVE_AVX512 0
#define BRISK_CLONES
#endif
