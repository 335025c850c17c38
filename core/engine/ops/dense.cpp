// Dense: packing (rows in the producer's internal order, so a Flatten is free at run
// time), the scatter/gather kernels and their scalar reference, the operator entry.
#include <brisk/core/engine/ops/dense.hpp>

#include <algorithm>

#include <brisk/core/base/isa.hpp>
#include <brisk/core/engine/ops/axpy.hpp>
#include <brisk/core/engine/ops/kernels_isa.hpp>
#include <brisk/core/engine/ops/op.hpp>
#include <brisk/core/engine/ops/window.hpp>

namespace brisk::kernels {

namespace {

// The bodies are always_inline: each is compiled into the baseline, AVX2 and AVX-512
// variants below (BRISK_DENSE_VARIANTS), so each gets its own vector code.
__attribute__((always_inline)) inline void dense_scatter_body(
    float* v, std::span<const std::int32_t> ids, std::span<const float> payload,
    const float* weight, int out) {
  for (std::size_t e = 0; e < ids.size(); ++e)
    axpy(v, payload[e], weight + static_cast<std::size_t>(ids[e]) * out, out);
}

__attribute__((always_inline)) inline void dense_gather_body(float* v, const float* x, int in,
                                                             const float* weight, int out) {
  for (int i = 0; i < in; ++i)
    if (x[i] != 0.0f) axpy(v, x[i], weight + static_cast<std::size_t>(i) * out, out);
}

// The variants of both kernels for one target (ATTR) and name suffix.
#define BRISK_DENSE_VARIANTS(ATTR, SUFFIX)                                                    \
  ATTR void dense_scatter_##SUFFIX(float* v, std::span<const std::int32_t> ids,              \
                                   std::span<const float> payload, const float* weight,      \
                                   int out) {                                                \
    dense_scatter_body(v, ids, payload, weight, out);                                        \
  }                                                                                          \
  ATTR void dense_gather_##SUFFIX(float* v, const float* x, int in, const float* weight,     \
                                  int out) {                                                 \
    dense_gather_body(v, x, in, weight, out);                                                \
  }

BRISK_DENSE_VARIANTS(, baseline)
#if BRISK_ISA_VARIANTS
BRISK_DENSE_VARIANTS(BRISK_TARGET_AVX2, avx2)
BRISK_DENSE_VARIANTS(BRISK_TARGET_AVX512, avx512)
#endif
#undef BRISK_DENSE_VARIANTS

}  // namespace

const IsaTable<DenseScatterFn> dense_scatter_variants =
    BRISK_ISA_TABLE(dense_scatter_baseline, dense_scatter_avx2, dense_scatter_avx512);
const IsaTable<DenseGatherFn> dense_gather_variants =
    BRISK_ISA_TABLE(dense_gather_baseline, dense_gather_avx2, dense_gather_avx512);

// The public kernels: the best variant for this CPU, chosen once.
void dense_scatter(float* v, std::span<const std::int32_t> ids, std::span<const float> payload,
                   const float* weight, int out) {
  static const DenseScatterFn best = dense_scatter_variants.best();
  best(v, ids, payload, weight, out);
}

void dense_scatter_ref(float* v, std::span<const std::int32_t> ids,
                       std::span<const float> payload, const float* weight, int out) {
  for (std::size_t e = 0; e < ids.size(); ++e)
    for (int o = 0; o < out; ++o)
      v[o] = v[o] + payload[e] * weight[static_cast<std::size_t>(ids[e]) * out + o];
}

void dense_gather(float* v, const float* x, int in, const float* weight, int out) {
  static const DenseGatherFn best = dense_gather_variants.best();
  best(v, x, in, weight, out);
}

}  // namespace brisk::kernels

namespace brisk::ops {
namespace {

void pack(const Layer& l, const std::vector<PlanLayer>& plan, PlanLayer& p) {
  const PlanLayer& in = plan[static_cast<std::size_t>(l.inputs.front())];
  const int nin = l.weight_shape.at(0), nout = l.weight_shape.at(1);
  if (static_cast<std::size_t>(nin) != in.size()) fail(l, "Dense input size mismatch");
  p.weight.resize(static_cast<std::size_t>(nin) * nout);
  for (int i = 0; i < nin; ++i) {
    const std::size_t src = static_cast<std::size_t>(in.to_graph[i]) * nout;
    std::copy_n(l.weight.begin() + static_cast<std::ptrdiff_t>(src), nout,
                p.weight.begin() + static_cast<std::ptrdiff_t>(i) * nout);
  }
  p.fanout.assign(in.size(), static_cast<std::uint32_t>(nout));
  p.macs = p.weight.size();
}

std::uint64_t integrate(const Context& c, Events ev, float* target) {
  const std::size_t n = ev.ids.size();
  const int out = c.p.c;
  if (c.dense && c.dense_x) {
    kernels::dense_gather(target, c.dense_x, static_cast<int>(c.in.size()), c.p.weight.data(), out);
  } else if (c.dense) {
    for (std::size_t e = 0; e < n; ++e) c.dense_in[static_cast<std::size_t>(ev.ids[e])] = ev.pay[e];
    kernels::dense_gather(target, c.dense_in, static_cast<int>(c.in.size()), c.p.weight.data(), out);
    for (std::size_t e = 0; e < n; ++e) c.dense_in[static_cast<std::size_t>(ev.ids[e])] = 0.0f;
  } else {
    kernels::dense_scatter(target, ev.ids, ev.pay, c.p.weight.data(), out);
  }
  return n * static_cast<std::uint64_t>(out);
}

}  // namespace

const OpTraits kDense{KernelKind::Dense, "Dense", pack, integrate};

}  // namespace brisk::ops
