#include <brisk/core/engine/plan_passes.hpp>

namespace brisk {

void mark_constant_drive_if(std::vector<PlanLayer>& plan) {
  for (auto& p : plan)
    p.constant_drive_if = p.neuron == NeuronKind::IF && !p.analog && p.leak == 1.0f &&
                          !p.inputs.empty() &&
                          plan[static_cast<std::size_t>(p.inputs.front())].analog && p.c > 0;
}

namespace {

bool pow2(int b) { return (b & (b - 1)) == 0; }

}  // namespace

std::vector<ValueLink> plan_value_links(const SpikingNetwork& net) {
  const auto& plan = net.layers();
  std::vector<ValueLink> links(plan.size());
  std::vector<int> readers(plan.size(), 0);
  for (const auto& p : plan)
    for (int j : p.inputs) ++readers[static_cast<std::size_t>(j)];
  for (std::size_t c = 1; c < plan.size(); ++c) {
    const PlanLayer& C = plan[c];
    if (C.neuron != NeuronKind::Radix || C.inputs.size() != 1 || !pow2(C.radix_base)) continue;
    ValueLink link;
    int j = C.inputs.front();
    bool ok = true;
    while (ok) {
      const PlanLayer& P = plan[static_cast<std::size_t>(j)];
      link.path.push_back(j);
      ok = readers[static_cast<std::size_t>(j)] == 1 && j != net.output() && !P.analog;
      if (!ok || j == 0 || P.neuron == NeuronKind::Radix) break;
      const bool pool = P.kernel == KernelKind::AvgPool2D && link.pool < 0;
      ok = P.neuron == NeuronKind::None && P.inputs.size() == 1 &&
           (P.kernel == KernelKind::Identity || pool);
      if (pool) link.pool = j;
      j = P.inputs.front();
    }
    const PlanLayer& R = plan[static_cast<std::size_t>(j)];
    const SnnSpec& spec = net.spec();
    // The radix encoder's levels are signed: no pool (an OR of signed integers says
    // nothing about the digits of their sum).
    if (j == 0)
      ok = ok && spec.encoder == EncoderKind::Radix && link.pool < 0 &&
           spec.input_radix_base == C.radix_base && spec.input_radix_digits == C.radix_digits;
    else
      ok = ok && R.radix_base == C.radix_base && R.radix_digits == C.radix_digits;
    if (!ok || R.emit_start != C.window_start) continue;
    link.source = j;
    links[c] = std::move(link);
  }
  return links;
}

}  // namespace brisk
