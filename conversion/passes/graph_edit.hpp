#pragma once
// Small structural edits shared by the graph passes.
#include <vector>

#include <brisk/core/graph/graph.hpp>

namespace brisk {

// Removes every layer i with replace_with[i] != i; its consumers (and the output, if it was
// the output) read layer replace_with[i] instead, which must be an earlier layer. Kept layers
// keep their order; indices are renumbered. Throws InternalError on a malformed map.
void bypass_layers(Graph& g, std::vector<int> replace_with);

// Number of layers that read layer `producer` (counting each use), plus one if it is the output.
int consumer_count(const Graph& g, int producer);

}  // namespace brisk
