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

std::uint64_t integrate(const Context&, Events ev, float* target) { return add_one_to_one(ev, target); }

}  // namespace

const OpTraits kAdd{KernelKind::Add, "Add", pack, integrate};

}  // namespace brisk::ops
