#pragma once
// The layer table of `brisk inspect MODEL`: name, type, output shape, activation,
// parameters, MACs, and the file's provenance (format, Keras version, backend, data format);
// also the Python module's Model.summary().
#include <ostream>

#include <brisk/core/graph/graph.hpp>

namespace brisk::experiments {

void print_model_report(const Graph& g, std::ostream& out);

}  // namespace brisk::experiments
