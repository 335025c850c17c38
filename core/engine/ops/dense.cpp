// Dense: packing (rows in the producer's internal order, so a Flatten is free at run
// time), the scatter/gather kernels and their scalar reference, the operator entry.
#include <brisk/core/engine/ops/dense.hpp>

#include <algorithm>

#include <brisk/core/base/isa.hpp>
#include <brisk/core/engine/ops/axpy.hpp>
#include <brisk/core/engine/ops/op.hpp>
#include <brisk/core/engine/ops/window.hpp>

namespace brisk::kernels {

BRISK_CLONES
void dense_scatter(float* v, std::span<const std::int32_t> ids, std::span<const float> payload,
                   const float* weight, int out) {
  for (std::size_t e = 0; e < ids.size(); ++e)
    axpy(v, payload[e], weight + static_cast<std::size_t>(ids[e]) * out, out);
}

void dense_scatter_ref(float* v, std::span<const std::int32_t> ids,
                       std::span<const float> payload, const float* weight, int out) {
  for (std::size_t e = 0; e < ids.size(); ++e)
    for (int o = 0; o < out; ++o)
      v[o] = v[o] + payload[e] * weight[static_cast<std::size_t>(ids[e]) * out + o];
}

BRISK_CLONES
void dense_gather(float* v, const float* x, int in, const float* weight, int out) {
  for (int i = 0; i < in; ++i)
    if (x[i] != 0.0f) axpy(v, x[i], weight + static_cast<std::size_t>(i) * out, out);
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
  if (c.dense) {
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
