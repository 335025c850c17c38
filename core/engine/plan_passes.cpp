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
  const SnnSpec& spec = net.spec();
  std::vector<ValueLink> links(plan.size());
  std::vector<std::vector<int>> readers(plan.size());
  for (std::size_t r = 0; r < plan.size(); ++r)
    for (int j : plan[r].inputs) readers[static_cast<std::size_t>(j)].push_back(static_cast<int>(r));
  if (spec.encoder == EncoderKind::Radix && pow2(spec.input_radix_base)) {
    ValueLink& v = links.front();
    v.values = v.counted = v.sign = true;
    v.base = spec.input_radix_base;
    v.digits = spec.input_radix_digits;
  }
  for (std::size_t l = 1; l < plan.size(); ++l) {
    const PlanLayer& P = plan[l];
    ValueLink& v = links[l];
    if (P.analog || static_cast<int>(l) == net.output()) continue;
    // Every input has values in one digit format, aligned with this layer's window.
    const ValueLink& first = links[static_cast<std::size_t>(P.inputs.front())];
    bool ok = true, counted = true, integer = true, sign = false;
    for (std::size_t j = 0; j < P.inputs.size(); ++j) {
      const ValueLink& in = links[static_cast<std::size_t>(P.inputs[j])];
      const PlanLayer& I = plan[static_cast<std::size_t>(P.inputs[j])];
      ok = ok && in.values && in.base == first.base && in.digits == first.digits &&
           I.emit_steps == in.digits && I.emit_start + P.delay(j) == P.window_start;
      counted = counted && in.counted;
      integer = integer && in.integer;
      sign = sign || in.sign;
    }
    if (P.neuron == NeuronKind::Radix) {
      if (!pow2(P.radix_base)) continue;
      v.values = v.counted = v.integer = true;
      v.base = P.radix_base;
      v.digits = P.radix_digits;
      // An Add population counts no SOPs of its own (its branches do): any values will do.
      v.read = ok && first.base == P.radix_base && first.digits == P.radix_digits &&
               (counted || P.kernel == KernelKind::Add);
      continue;
    }
    if (P.neuron != NeuronKind::None || !ok) continue;
    v.base = first.base;
    v.digits = first.digits;
    v.sign = sign;
    switch (P.kernel) {
      case KernelKind::Identity:
      case KernelKind::ZeroPad2D:
      case KernelKind::Concat:  // ids moved: the digit events move with them
        v.values = true;
        v.counted = counted;
        v.integer = integer;
        break;
      case KernelKind::AvgPool2D:  // events where any pooled digit is nonzero (digits >= 0)
        v.values = true;
        v.counted = counted && !sign;
        break;
      case KernelKind::MaxPool2DRadix:  // the digits of the window's largest integer
        v.values = v.counted = v.integer = counted && integer && P.inputs.size() == 1;
        break;
      case KernelKind::Add:
      case KernelKind::Dense:
      case KernelKind::Conv2D:
      case KernelKind::Affine:  // currents: no digit events to count from them
        v.values = P.kernel == KernelKind::Add || counted;  // a synapse counts its SOPs
        break;
      default:
        break;
    }
  }
  // Values are computed only for a reader that folds them (readers come later).
  for (std::size_t l = plan.size(); l-- > 1;) {
    ValueLink& v = links[l];
    if (plan[l].neuron != NeuronKind::None) continue;
    bool wanted = false;
    for (int r : readers[l]) wanted = wanted || links[static_cast<std::size_t>(r)].read;
    v.read = v.values && wanted;
  }
  return links;
}

}  // namespace brisk
