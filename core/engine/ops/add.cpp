// Add: the element-wise sum of all inputs (each input integrated in turn into one target).
#include <brisk/core/engine/ops/op.hpp>
#include <brisk/core/engine/ops/window.hpp>

namespace brisk::ops {
namespace {

void pack(const Layer& l, const std::vector<PlanLayer>& plan, PlanLayer& p) {
  [[maybe_unused]] const PlanLayer& in = plan[static_cast<std::size_t>(l.inputs.front())];
  for (int j : l.inputs)
    if (plan[static_cast<std::size_t>(j)].size() != p.size()) fail(l, "Add inputs differ in size");
  p.fanout.assign(in.size(), 1);
}

std::uint64_t integrate(const Context& c, Events ev, float* target) {
  [[maybe_unused]] const PlanLayer& p = c.p;
  const std::size_t n = ev.ids.size();
  for (std::size_t e = 0; e < n; ++e) target[static_cast<std::size_t>(ev.ids[e])] += ev.pay[e];
  return n;
}

}  // namespace

const OpTraits kAdd{KernelKind::Add, "Add", pack, integrate};

}  // namespace brisk::ops
