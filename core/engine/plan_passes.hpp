#pragma once
// Plan-time decisions taken by compile() from the network alone (internal to the engine):
// run() only simulates.
#include <vector>

#include <brisk/core/engine/network.hpp>

namespace brisk {

// Marks the IF layers driven only by a constant current (PlanLayer::constant_drive_if).
void mark_constant_drive_if(std::vector<PlanLayer>& plan);

// How each layer's window travels as values in a folded radix network
// (CompileOptions::radix_values; see ValueLink). A radix population reads values when all
// its inputs have them; a layer without neurons computes them for such a reader. Which
// layers also emit digit trains run() decides (recorded layers, readers that do not fold).
std::vector<ValueLink> plan_value_links(const SpikingNetwork& net);

}  // namespace brisk
