#pragma once
// The converted-network file "brisk SNN HDF5" (docs/snn-schema.md): the spiking network
// (graph with rescaled weights + per-layer neuron parameters), the reference ANN it
// approximates, the clip values, the calibration report and the provenance.
#include <string>

#include <brisk/conversion/mapping.hpp>

namespace brisk {

inline constexpr const char* kSnnFormat = "brisk-snn";
inline constexpr int kSnnSchemaVersion = 1;

// Writes atomically: a temporary file beside `path`, renamed over it when complete, so a
// failure never leaves a half-written file. InputError naming the path on any failure.
void write_snn(const Conversion& c, const std::string& path);

// Reads and validates a file written by write_snn. InputError naming the file and the
// object on anything missing or malformed.
Conversion read_snn(const std::string& path);

// True when the file is an HDF5 file with the root attribute brisk_format = "brisk-snn".
bool is_snn_file(const std::string& path);

}  // namespace brisk
