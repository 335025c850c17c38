#pragma once
// Synaptic operators: one home each (ops/<name>.cpp), XNNPACK-style — the packing of the
// Graph layer's weights into the plan, the fast kernel, its scalar reference and a tester
// (tests/sim). The engine reaches an operator only through this table:
//
//   const OpTraits& op = op_traits(p.kernel);
//   op.pack(layer, plan, p);                       // compile(): once per network
//   sops += op.integrate(ctx, events, target);     // run(): per layer, step and input
//
// Adding an operator: its file, one KernelKind enumerator and one row of the table in
// ops/table.cpp.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <brisk/core/engine/network.hpp>
#include <brisk/core/graph/graph.hpp>

namespace brisk::ops {

// One step's events of one input.
struct Events {
  std::span<const std::int32_t> ids;
  std::span<const float> pay;
};

// What an operator may use while integrating input j of layer p.
struct Context {
  const PlanLayer& p;    // the consuming layer
  const PlanLayer& in;   // its input j
  std::size_t j;         // which input
  float* dense_in;       // scratch of at least in.size() zeros; must be zero again on return
  float* state;          // the layer's operator state (MaxPool gate: accumulated payloads)
  bool dense;            // take the dense twin (same result; the engine's density policy)
  bool count;            // SOPs are wanted (the analog path does not count them)
  std::uint64_t* bits;   // BitDense: 2 * bit_words zero words (must be zero again on return),
                         // then bit_planes * bit_words words of scratch (any content)
  // BitDense: the input's spikes of this step as bit planes (+1 words, then -1 words,
  // bit_words each) when its producer wrote them (T = 1, kernels::dt_fire_planes); null:
  // the planes are built from the events.
  const std::uint64_t* in_bits = nullptr;
  // The input as a dense vector (every entry, zeros included; the events are its nonzero
  // entries) when its producer keeps one: the dense twin reads it instead of filling
  // dense_in from the events. Null: fill dense_in.
  const float* dense_x = nullptr;
};

// Adds the events into target (potentials, drive or a routing buffer); returns the SOPs
// (events x fan-out actually delivered).
using IntegrateFn = std::uint64_t (*)(const Context&, Events, float* target);
// Adds a dense analog vector x (the direct-input path, once per sample; x in the input's
// internal order) into target; false when the operator has no faster way for this x (the
// caller then integrates x's nonzero entries as events). Optional (null: always events).
using IntegrateAnalogFn = bool (*)(const Context&, std::span<const float> x, float* target);
// Fills p's operator fields from the Graph layer (weights repacked, fan-out, maps);
// plan holds the layers before p. Throws InputError naming the layer.
using PackFn = void (*)(const Layer& l, const std::vector<PlanLayer>& plan, PlanLayer& p);

struct OpTraits {
  KernelKind kind;
  const char* name;
  PackFn pack;
  IntegrateFn integrate;
  IntegrateAnalogFn integrate_analog = nullptr;
};

const OpTraits& op_traits(KernelKind k);

// target[id] += payload for every event (Identity and Add): one SOP per event.
inline std::uint64_t add_one_to_one(Events ev, float* target) {
  for (std::size_t e = 0; e < ev.ids.size(); ++e) target[static_cast<std::size_t>(ev.ids[e])] += ev.pay[e];
  return ev.ids.size();
}

// The table's rows (each defined in its operator's file).
extern const OpTraits kDense, kConv2D, kAvgPool2D, kMaxPool2D, kMaxPool2DRadix, kGlobalAvgPool,
    kIdentity, kZeroPad2D, kAffine, kAdd, kConcat, kBitDense;

}  // namespace brisk::ops
