#pragma once
// Branching graphs (residual blocks): the canonical form conversion works on.
//
// In y = relu(conv_b(...) + s(x)) the spiking population is the ReLU after the Add; each
// branch's last linear op is a synaptic operator into it. After this pass:
//  - every input of an Add is a "current" layer: a linear Dense, Conv2D or Affine whose
//    consumers are all Adds (a synapse), or a linear Add. Any other input (an identity
//    shortcut from a spiking layer, a pooled population, the Input) gets an identity
//    synapse inserted: an Affine with scale 1 and shift 0, named "<add>/shortcut<k>",
//    which the mapping rescales by the event scale of its input (θ_in per channel);
//  - the biases of current layers are moved to the layer that consumes the current: a
//    synapse's or linear Add's bias is added to each consuming Add's bias, or (a linear Add
//    feeding an unfolded BatchNorm) folded into the Affine's shift (shift += scale * b).
//    Currents then carry no constant term; the population integrates the summed bias.
// The graph computes the same function (up to float rounding of the moved biases).
// Returns the number of identity synapses inserted. The graph is re-validated.
#include <brisk/core/graph/graph.hpp>

namespace brisk {

// A layer whose output is a synaptic current (ANN units, no neurons) in canonical form.
bool is_current_layer(const Graph& g, int layer);

int canonicalize_branches(Graph& g);

}  // namespace brisk
