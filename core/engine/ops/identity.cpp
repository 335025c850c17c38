// Identity: Flatten, Reshape (to a vector), Activation: ids unchanged (a Flatten costs
// nothing, since Dense rows follow the producer's internal order).
#include <brisk/core/engine/ops/op.hpp>
#include <brisk/core/engine/ops/window.hpp>

namespace brisk::ops {
namespace {

void pack(const Layer& l, const std::vector<PlanLayer>& plan, PlanLayer& p) {
  [[maybe_unused]] const PlanLayer& in = plan[static_cast<std::size_t>(l.inputs.front())];
  if (in.size() != p.size()) fail(l, "element count changes");
  // A vector keeps its producer's internal order; its Graph order follows the flatten
  // order (internal images are HWC already).
  if (in.image && !p.image)
    p.to_graph = l.flatten_order == FlattenOrder::CHW ? in.to_graph
                                                      : std::vector<std::int32_t>(p.to_graph);
  else if (!in.image && !p.image)
    p.to_graph = in.to_graph;
  p.fanout.assign(in.size(), 1);
}

std::uint64_t integrate(const Context&, Events ev, float* target) { return add_one_to_one(ev, target); }

}  // namespace

const OpTraits kIdentity{KernelKind::Identity, "Identity", pack, integrate};

}  // namespace brisk::ops
