// Affine: a BatchNorm that could not be folded, per channel y = x*scale[c] (+ shift[c] as the bias).
#include <brisk/core/engine/ops/op.hpp>
#include <brisk/core/engine/ops/window.hpp>

namespace brisk::ops {
namespace {

void pack(const Layer& l, const std::vector<PlanLayer>& plan, PlanLayer& p) {
  [[maybe_unused]] const PlanLayer& in = plan[static_cast<std::size_t>(l.inputs.front())];
  if (l.scale.size() != static_cast<std::size_t>(p.c)) fail(l, "Affine needs one scale per channel");
  p.weight.assign(l.scale.begin(), l.scale.end());
  p.fanout.assign(in.size(), 1);
}

std::uint64_t integrate(const Context& c, Events ev, float* target) {
  [[maybe_unused]] const PlanLayer& p = c.p;
  const std::size_t n = ev.ids.size();
  const auto C = static_cast<std::uint32_t>(p.c);
  if ((C & (C - 1)) == 0) {  // a power of two channels: the channel is a mask, not a division
    for (std::size_t e = 0; e < n; ++e)
      target[static_cast<std::size_t>(ev.ids[e])] += ev.pay[e] * p.weight[static_cast<std::uint32_t>(ev.ids[e]) & (C - 1)];
    return n;
  }
  for (std::size_t e = 0; e < n; ++e)
    target[static_cast<std::size_t>(ev.ids[e])] += ev.pay[e] * p.weight[static_cast<std::size_t>(ev.ids[e] % p.c)];
  return n;
}

}  // namespace

const OpTraits kAffine{KernelKind::Affine, "Affine", pack, integrate};

}  // namespace brisk::ops
