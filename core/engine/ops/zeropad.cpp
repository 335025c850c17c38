// ZeroPad2D: every id moved into the padded image.
#include <brisk/core/engine/ops/op.hpp>
#include <brisk/core/engine/ops/window.hpp>

namespace brisk::ops {
namespace {

void pack(const Layer& l, const std::vector<PlanLayer>& plan, PlanLayer& p) {
  [[maybe_unused]] const PlanLayer& in = plan[static_cast<std::size_t>(l.inputs.front())];
  if (!in.image) fail(l, "needs an image input");
  p.pad_top = l.pad_top, p.pad_left = l.pad_left;
}

std::uint64_t integrate(const Context& c, Events ev, float* target) {
  [[maybe_unused]] const PlanLayer& p = c.p;
  const std::size_t n = ev.ids.size();
  for (std::size_t e = 0; e < n; ++e) {
    const int pos = ev.ids[e] / p.in_c, ch = ev.ids[e] - pos * p.in_c;
    const int y = pos / p.in_w + p.pad_top, x = pos % p.in_w + p.pad_left;
    target[static_cast<std::size_t>((y * p.w + x) * p.c + ch)] += ev.pay[e];
  }
  return n;
}

}  // namespace

const OpTraits kZeroPad2D{KernelKind::ZeroPad2D, "ZeroPad2D", pack, integrate};

}  // namespace brisk::ops
