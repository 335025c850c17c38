#include <brisk/core/engine/kernels/vector.hpp>

#include <brisk/core/base/isa.hpp>
#include <brisk/core/engine/ops/kernels_isa.hpp>

namespace brisk::kernels {

namespace {

// Compiled into each per-Isa variant below.
__attribute__((always_inline)) inline void add_into_body(float* v, const float* a, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) v[i] += a[i];
}

void add_into_baseline(float* v, const float* a, std::size_t n) { add_into_body(v, a, n); }

#if BRISK_ISA_VARIANTS
BRISK_TARGET_AVX2 void add_into_avx2(float* v, const float* a, std::size_t n) {
  add_into_body(v, a, n);
}

BRISK_TARGET_AVX512 void add_into_avx512(float* v, const float* a, std::size_t n) {
  add_into_body(v, a, n);
}
#endif

}  // namespace

const IsaTable<AddIntoFn> add_into_variants =
    BRISK_ISA_TABLE(add_into_baseline, add_into_avx2, add_into_avx512);

void add_into(float* v, const float* a, std::size_t n) {
  static const AddIntoFn best = add_into_variants.best();
  best(v, a, n);
}

}  // namespace brisk::kernels
