// Concat: channel concatenation; input j lands at its channel offset.
#include <brisk/core/engine/ops/op.hpp>
#include <brisk/core/engine/ops/window.hpp>

namespace brisk::ops {
namespace {

void pack(const Layer& l, const std::vector<PlanLayer>& plan, PlanLayer& p) {
  [[maybe_unused]] const PlanLayer& in = plan[static_cast<std::size_t>(l.inputs.front())];
  int off = 0;
  for (int j : l.inputs) {
    p.concat_offset.push_back(off);
    off += plan[static_cast<std::size_t>(j)].c;
  }
  if (off != p.c) fail(l, "Concat channel count mismatch");
  p.fanout.assign(in.size(), 1);
}

std::uint64_t integrate(const Context& c, Events ev, float* target) {
  [[maybe_unused]] const PlanLayer& p = c.p;
  const std::size_t n = ev.ids.size();
  const int off = p.concat_offset[c.j];
  for (std::size_t e = 0; e < n; ++e) {
    const int pos = ev.ids[e] / c.in.c, ch = ev.ids[e] - pos * c.in.c;
    target[static_cast<std::size_t>(pos) * p.c + static_cast<std::size_t>(off + ch)] += ev.pay[e];
  }
  return n;
}

}  // namespace

const OpTraits kConcat{KernelKind::Concat, "Concat", pack, integrate};

}  // namespace brisk::ops
