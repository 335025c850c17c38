#include <brisk/data/recording_file.hpp>

#include <fmt/format.h>

#include <brisk/data/hdf5/writer.hpp>

namespace brisk::data {

RecordingFile::RecordingFile(const std::string& path, const std::string& label)
    : w_(std::make_unique<h5::Writer>(path, label)) {
  w_->group("/samples");
}

RecordingFile::~RecordingFile() = default;

void RecordingFile::add(const RecordedSample& s) {
  const std::string g = fmt::format("/samples/{}", s.index);
  w_->group(g);
  w_->int_attr(g, "label", s.label);
  w_->int_attr(g, "prediction", s.prediction);
  for (const RecordedLayer& l : s.layers) {
    const std::string lg = fmt::format("{}/{}", g, l.name);
    w_->group(lg);
    w_->int_attr(lg, "neurons", l.neurons);
    w_->int_attr(lg, "spiking", l.spiking ? 1 : 0);
    w_->int32s_compressed(lg + "/step", l.step);
    w_->int32s_compressed(lg + "/neuron", l.neuron);
    w_->floats_compressed(lg + "/payload", l.payload);
    if (!l.membrane.empty())
      w_->floats_compressed(lg + "/membrane", l.membrane, {l.steps, l.neurons});
  }
}

void RecordingFile::close(const std::string& network, const std::string& method, int timesteps,
                          const std::vector<std::string>& layers, const std::vector<int>& samples) {
  w_->string_attr("/", "format", "brisk-recording");
  w_->int_attr("/", "version", 1);
  w_->string_attr("/", "network", network);
  w_->string_attr("/", "method", method);
  w_->int_attr("/", "timesteps", timesteps);
  w_->strings_attr("/", "layers", layers);
  w_->ints_attr("/", "samples", samples);
  w_->close();
}

}  // namespace brisk::data
