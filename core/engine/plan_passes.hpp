#pragma once
// Plan-time decisions taken by compile() from the network alone (internal to the engine):
// run() only simulates.
#include <vector>

#include <brisk/core/engine/network.hpp>

namespace brisk {

// Marks the IF layers driven only by a constant current (PlanLayer::constant_drive_if).
void mark_constant_drive_if(std::vector<PlanLayer>& plan);

// The value links of a folded radix network (CompileOptions::radix_values), per layer.
// A link consumer C (radix, one input) <- [Identity | one AvgPool2D]* <- R (radix, same base
// and digits, power-of-two base so that digit events of pooled sums can be counted from an
// OR), every layer on the path read by C alone. run() drops a link whose path it records.
std::vector<ValueLink> plan_value_links(const SpikingNetwork& net);

}  // namespace brisk
