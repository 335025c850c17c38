#pragma once
// <immintrin.h> for the hand-written x86 kernels (the ISA variants of core/base/isa.hpp), on
// x86-64 only. GCC 12's AVX-512 headers build "undefined" vectors by self-initialization,
// which -Wmaybe-uninitialized reports once inlined (a false positive, GCC PR 105593): the
// warning is silenced for the header alone.
#if defined(__x86_64__)
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
#endif
