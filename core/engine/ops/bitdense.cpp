// BitDense: the bit-packed synaptic operator of binary / ternary Dense layers (issue 10).
// Chosen by compile() for a bitwise Dense layer fed by spiking (+-1 / 0) events when
// CompileOptions::bitwise_kernels is set; packing (the Dense rows plus two bit planes per
// output), the popcount kernels and their scalar reference, the operator entry.
//
// SOPs are counted as the synaptic work really done: an event's SOPs are the nonzero
// weights of its row (its fan-out in synapses that exist; a binary layer: all of them),
// although the kernel performs them 64 at a time with popcounts.
#include <brisk/core/engine/ops/bitdense.hpp>

#include <algorithm>

#include <brisk/core/engine/ops/dense.hpp>
#include <brisk/core/engine/ops/op.hpp>
#include <brisk/core/engine/ops/window.hpp>

namespace brisk::kernels {

namespace {

__attribute__((always_inline)) inline void bit_dense_body(float* v, const std::uint64_t* xp,
                                                          const std::uint64_t* xn,
                                                          const std::uint64_t* wbits, int words,
                                                          int out) {
  const std::size_t W = static_cast<std::size_t>(words);
  for (int o = 0; o < out; ++o) {
    const std::uint64_t* wp = wbits + 2 * static_cast<std::size_t>(o) * W;
    const std::uint64_t* wn = wp + W;
    long long z = 0;
    for (std::size_t k = 0; k < W; ++k)
      z += __builtin_popcountll((xp[k] & wp[k]) | (xn[k] & wn[k])) -
           __builtin_popcountll((xp[k] & wn[k]) | (xn[k] & wp[k]));
    v[o] += static_cast<float>(z);
  }
}

__attribute__((always_inline)) inline void bit_dense_xnor_body(float* v, const std::uint64_t* xp,
                                                               const std::uint64_t* wbits,
                                                               int words, int n_in, int out) {
  const std::size_t W = static_cast<std::size_t>(words);
  for (int o = 0; o < out; ++o) {
    const std::uint64_t* wp = wbits + 2 * static_cast<std::size_t>(o) * W;
    long long mismatch = 0;
    for (std::size_t k = 0; k < W; ++k) mismatch += __builtin_popcountll(xp[k] ^ wp[k]);
    v[o] += static_cast<float>(n_in - 2 * mismatch);
  }
}

#define BRISK_BITDENSE_VARIANTS(ATTR, SUFFIX)                                                  \
  ATTR void bit_dense_##SUFFIX(float* v, const std::uint64_t* xp, const std::uint64_t* xn,     \
                               const std::uint64_t* wbits, int words, int out) {               \
    bit_dense_body(v, xp, xn, wbits, words, out);                                              \
  }                                                                                            \
  ATTR void bit_dense_xnor_##SUFFIX(float* v, const std::uint64_t* xp,                         \
                                    const std::uint64_t* wbits, int words, int n_in, int out) { \
    bit_dense_xnor_body(v, xp, wbits, words, n_in, out);                                       \
  }

BRISK_BITDENSE_VARIANTS(, baseline)
#if BRISK_ISA_VARIANTS
BRISK_BITDENSE_VARIANTS(BRISK_TARGET_AVX2, avx2)
BRISK_BITDENSE_VARIANTS(BRISK_TARGET_AVX512, avx512)
#endif
#undef BRISK_BITDENSE_VARIANTS

}  // namespace

const IsaTable<BitDenseFn> bit_dense_variants =
    BRISK_ISA_TABLE(bit_dense_baseline, bit_dense_avx2, bit_dense_avx512);
const IsaTable<BitDenseXnorFn> bit_dense_xnor_variants =
    BRISK_ISA_TABLE(bit_dense_xnor_baseline, bit_dense_xnor_avx2, bit_dense_xnor_avx512);

void bit_dense(float* v, const std::uint64_t* xp, const std::uint64_t* xn,
               const std::uint64_t* wbits, int words, int out) {
  static const BitDenseFn best = bit_dense_variants.best();
  best(v, xp, xn, wbits, words, out);
}

void bit_dense_xnor(float* v, const std::uint64_t* xp, const std::uint64_t* wbits, int words,
                    int n_in, int out) {
  static const BitDenseXnorFn best = bit_dense_xnor_variants.best();
  best(v, xp, wbits, words, n_in, out);
}

void bit_dense_ref(float* v, const float* x, int n_in, const float* weight, int out) {
  for (int i = 0; i < n_in; ++i)
    for (int o = 0; o < out; ++o)
      v[o] = v[o] + x[i] * weight[static_cast<std::size_t>(i) * static_cast<std::size_t>(out) +
                                  static_cast<std::size_t>(o)];
}

void pack_bit_planes(const float* weight, int n_in, int out, std::uint64_t* wbits) {
  const std::size_t W = static_cast<std::size_t>(bit_words(n_in));
  std::fill_n(wbits, 2 * static_cast<std::size_t>(out) * W, std::uint64_t{0});
  for (int i = 0; i < n_in; ++i)
    for (int o = 0; o < out; ++o) {
      const float w = weight[static_cast<std::size_t>(i) * static_cast<std::size_t>(out) +
                             static_cast<std::size_t>(o)];
      if (w == 0.0f) continue;
      const std::size_t plane = 2 * static_cast<std::size_t>(o) + (w > 0 ? 0 : 1);
      wbits[plane * W + static_cast<std::size_t>(i / 64)] |= std::uint64_t{1} << (i % 64);
    }
}

}  // namespace brisk::kernels

namespace brisk::ops {
namespace {

void pack(const Layer& l, const std::vector<PlanLayer>& plan, PlanLayer& p) {
  kDense.pack(l, plan, p);  // the float rows [in][out] in the producer's order
  const int nin = l.weight_shape.at(0), nout = l.weight_shape.at(1);
  for (float w : p.weight)
    if (!(w == 1.0f || w == -1.0f || w == 0.0f)) fail(l, "BitDense needs weights in {-1, 0, +1}");
  p.bit_words = kernels::bit_words(nin);
  p.bit_binary = l.bitwise == Bitwise::Binary;
  p.bits.resize(2 * static_cast<std::size_t>(nout) * static_cast<std::size_t>(p.bit_words));
  kernels::pack_bit_planes(p.weight.data(), nin, nout, p.bits.data());
  for (int i = 0; i < nin; ++i)
    p.fanout[static_cast<std::size_t>(i)] = static_cast<std::uint32_t>(
        std::count_if(p.weight.begin() + static_cast<std::ptrdiff_t>(i) * nout,
                      p.weight.begin() + static_cast<std::ptrdiff_t>(i + 1) * nout,
                      [](float w) { return w != 0.0f; }));
}

std::uint64_t integrate(const Context& c, Events ev, float* target) {
  const std::size_t W = static_cast<std::size_t>(c.p.bit_words);
  std::uint64_t* xp = c.bits;
  std::uint64_t* xn = c.bits + W;
  std::uint64_t sops = 0;
  bool unit = true;  // every payload is +-1
  for (std::size_t e = 0; e < ev.ids.size(); ++e) {
    const auto id = static_cast<std::uint32_t>(ev.ids[e]);
    const std::uint64_t bit = std::uint64_t{1} << (id % 64);
    if (ev.pay[e] == 1.0f) xp[id / 64] |= bit;
    else if (ev.pay[e] == -1.0f) xn[id / 64] |= bit;
    else unit = false;
    sops += c.p.fanout[id];
  }
  const int out = c.p.c;
  if (!unit) {  // not a +-1 spike train: the float rows give the same sum
    kernels::dense_scatter(target, ev.ids, ev.pay, c.p.weight.data(), out);
  } else if (c.p.bit_binary && ev.ids.size() == c.in.size()) {
    kernels::bit_dense_xnor(target, xp, c.p.bits.data(), c.p.bit_words, static_cast<int>(c.in.size()), out);
  } else {
    kernels::bit_dense(target, xp, xn, c.p.bits.data(), c.p.bit_words, out);
  }
  for (std::size_t e = 0; e < ev.ids.size(); ++e) {
    const auto id = static_cast<std::uint32_t>(ev.ids[e]);
    xp[id / 64] = xn[id / 64] = 0;
  }
  return sops;
}

}  // namespace

const OpTraits kBitDense{KernelKind::BitDense, "BitDense", pack, integrate};

}  // namespace brisk::ops
