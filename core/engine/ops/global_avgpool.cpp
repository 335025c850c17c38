// GlobalAvgPool2D: {C,H,W} -> {C}, weight 1/(H*W) per event.
#include <brisk/core/engine/ops/op.hpp>
#include <brisk/core/engine/ops/window.hpp>

namespace brisk::ops {
namespace {

void pack(const Layer& l, const std::vector<PlanLayer>& plan, PlanLayer& p) {
  [[maybe_unused]] const PlanLayer& in = plan[static_cast<std::size_t>(l.inputs.front())];
  if (!in.image) fail(l, "needs an image input");
  p.weight.assign(1, 1.0f / static_cast<float>(in.h * in.w));
  p.fanout.assign(in.size(), 1);
}

std::uint64_t integrate(const Context& c, Events ev, float* target) {
  [[maybe_unused]] const PlanLayer& p = c.p;
  const std::size_t n = ev.ids.size();
  for (std::size_t e = 0; e < n; ++e)
    target[static_cast<std::size_t>(ev.ids[e] % p.in_c)] += ev.pay[e] * p.weight[0];
  return n;
}

}  // namespace

const OpTraits kGlobalAvgPool{KernelKind::GlobalAvgPool, "GlobalAvgPool", pack, integrate};

}  // namespace brisk::ops
