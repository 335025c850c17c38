#pragma once
// The HDF5 file of a spike recording (docs/recording.md): plain vectors in, the chunked and
// compressed layout out. The experiments library fills it from the engine's spike trains.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace brisk::h5 {
class Writer;
}

namespace brisk::data {

struct RecordedLayer {
  std::string name;
  int neurons = 0;
  bool spiking = true;  // false: a weightless layer re-routing its input's events
  std::vector<std::int32_t> step, neuron;
  std::vector<float> payload;
  // --record-membrane: [steps][neurons] potentials (empty: none written).
  std::vector<float> membrane;
  int steps = 0;
};

struct RecordedSample {
  std::size_t index = 0;  // in the data file
  int label = -1, prediction = -1;
  std::vector<RecordedLayer> layers;
};

class RecordingFile {
 public:
  // Creates (truncates) `path`; messages name `label` (the file a temporary stands for).
  RecordingFile(const std::string& path, const std::string& label);
  ~RecordingFile();
  RecordingFile(const RecordingFile&) = delete;
  RecordingFile& operator=(const RecordingFile&) = delete;
  void add(const RecordedSample& s);
  // Root attributes, then flush and close.
  void close(const std::string& network, const std::string& method, int timesteps,
             const std::vector<std::string>& layers, const std::vector<int>& samples);

 private:
  std::unique_ptr<h5::Writer> w_;
};

}  // namespace brisk::data
