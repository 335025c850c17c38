#pragma once
// Instruction-set variants of the hot kernels.
//
// Each hot kernel (population kernels, nonzero scans, the Dense and Conv2D synaptic
// kernels, add_into) exists in three named variants, one per Isa:
// Baseline (plain x86-64), Avx2 and Avx512 (hand-written intrinsics where there are any,
// otherwise the generic body compiled for AVX-512). A kernel's body is written once as an
// always_inline function and instantiated in functions marked BRISK_TARGET_AVX2 /
// BRISK_TARGET_AVX512; an IsaTable holds the three, and the public kernel calls the best
// one the CPU has (chosen once). Tests call every variant the CPU can run, through the
// target's internal *_isa.hpp header, so the AVX2 and baseline code is tested on an
// AVX-512 machine too.
//
// Sanitizer builds keep only the baseline variant (cpu_has says false for the others),
// as they always have.
//
// Every kernel also has a scalar reference (`*_ref`), and all variants are compiled with
// -ffp-contract=off so that they round exactly like it. (Hence no "fma" in the AVX2 target.)

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__)
#define BRISK_ISA_VARIANTS 1
#define BRISK_TARGET_AVX2 __attribute__((target("avx2")))
#define BRISK_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,popcnt")))
#else
#define BRISK_ISA_VARIANTS 0
#define BRISK_TARGET_AVX2
#define BRISK_TARGET_AVX512
#endif
// An IsaTable initializer; without variants every slot holds the baseline function (the
// others are not compiled, and cpu_has never selects them).
#if BRISK_ISA_VARIANTS
#define BRISK_ISA_TABLE(baseline, avx2, avx512) {baseline, avx2, avx512}
#else
#define BRISK_ISA_TABLE(baseline, avx2, avx512) {baseline, baseline, baseline}
#endif

namespace brisk {

enum class Isa { Baseline, Avx2, Avx512 };

inline constexpr Isa all_isas[] = {Isa::Baseline, Isa::Avx2, Isa::Avx512};

constexpr const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Baseline: return "baseline";
    case Isa::Avx2: return "avx2";
    case Isa::Avx512: return "avx512";
  }
  return "?";
}

// Whether the variant for `isa` is compiled in and this CPU can run it (the features
// of BRISK_TARGET_AVX2 / BRISK_TARGET_AVX512). Baseline always can.
inline bool cpu_has(Isa isa) {
#if BRISK_ISA_VARIANTS
  switch (isa) {
    case Isa::Baseline: return true;
    case Isa::Avx2: return __builtin_cpu_supports("avx2");
    case Isa::Avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("popcnt");
  }
  return false;
#else
  return isa == Isa::Baseline;
#endif
}

// The best Isa this CPU can run.
inline Isa best_isa() {
  if (cpu_has(Isa::Avx512)) return Isa::Avx512;
  if (cpu_has(Isa::Avx2)) return Isa::Avx2;
  return Isa::Baseline;
}

// One kernel's variants (function pointers of one signature), indexed by Isa.
template <class Fn>
struct IsaTable {
  Fn baseline, avx2, avx512;

  constexpr Fn operator[](Isa isa) const {
    switch (isa) {
      case Isa::Avx2: return avx2;
      case Isa::Avx512: return avx512;
      case Isa::Baseline: break;
    }
    return baseline;
  }
  // The variant of best_isa(); callers keep it in a function-local static.
  Fn best() const { return (*this)[best_isa()]; }
};

}  // namespace brisk
