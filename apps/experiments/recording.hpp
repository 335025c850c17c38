#pragma once
// Spike recordings (`brisk run --record FILE.h5`): per recorded sample and layer, the
// spike train as three parallel 1-D datasets, chunked and deflate-compressed
// (docs/recording.md):
//   /samples/<index>/<layer>/step     int32  step of each event (0-based)
//   /samples/<index>/<layer>/neuron   int32  the layer's flat channels-first neuron index
//   /samples/<index>/<layer>/payload  float32  +1/-1, a coefficient or a digit value
//   /samples/<index>/<layer>/membrane float32 [steps][neurons] (--record-membrane; layers
//                                              with a population only)
// with attributes on /samples/<index> (label, prediction), on each layer group (neurons;
// spiking: 0 for weightless layers that re-route their input's events) and on the root (format
// "brisk-recording", version, network, method, timesteps, layers, samples). The recorded
// samples are simulated again one by one with simulate() after the run, so a run without
// --record is not touched.
#include <cstddef>
#include <string>
#include <vector>

#include <brisk/conversion/mapping.hpp>
#include <brisk/data/dataset.hpp>

namespace brisk::experiments {

struct RecordOptions {
  std::string path;                 // FILE.h5
  std::vector<std::string> layers;  // layer names; empty = all
  std::vector<std::size_t> samples; // indices into the dataset
  int timesteps = 0;                // 0 = as converted (as evaluate())
  std::string network;              // for the file's attributes
  std::size_t first_sample = 0;     // --offset: the file's indices are data-file indices
  bool membrane = false;            // --record-membrane: also [steps][neurons] potentials
};

// "0-9", "3", "0-4,10,20-29" -> indices, each < `count` (UsageError naming --record-samples).
std::vector<std::size_t> parse_sample_list(const std::string& text, std::size_t count);
// "all" or "conv1,fc1" -> names; UsageError naming --record-layers and the unknown layer
// (listing the network's layers).
std::vector<std::string> parse_record_layers(const std::string& text, const Conversion& c);

struct RecordingSummary {
  std::vector<std::string> layers;
  std::vector<std::uint64_t> events;  // per recorded layer, summed over the recorded samples
};

// Writes the recording atomically (temporary file, then rename).
RecordingSummary write_recording(const Conversion& c, const Dataset& d, const RecordOptions& o);

}  // namespace brisk::experiments
