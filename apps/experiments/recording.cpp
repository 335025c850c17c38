#include <brisk/apps/experiments/recording.hpp>

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include <brisk/core/base/error.hpp>
#include <brisk/core/engine/engine.hpp>
#include <brisk/data/recording_file.hpp>

namespace brisk::experiments {

std::vector<std::size_t> parse_sample_list(const std::string& text, std::size_t count) {
  std::vector<std::size_t> out;
  std::stringstream ss(text);
  std::string item;
  auto number = [&](const std::string& s) -> std::size_t {
    try {
      std::size_t used = 0;
      const unsigned long long v = std::stoull(s, &used);
      if (used == s.size() && s[0] != '-') return static_cast<std::size_t>(v);
    } catch (const std::exception&) {
    }
    throw UsageError(fmt::format("--record-samples: '{}' is not a sample index, range A-B or list", text));
  };
  while (std::getline(ss, item, ',')) {
    const auto dash = item.find('-');
    const std::size_t a = number(dash == std::string::npos ? item : item.substr(0, dash));
    const std::size_t b = dash == std::string::npos ? a : number(item.substr(dash + 1));
    if (b < a) throw UsageError(fmt::format("--record-samples: range '{}' ends before it starts", item));
    if (b >= count)
      throw UsageError(fmt::format("--record-samples: sample {} is beyond the {} samples of the data", b, count));
    for (std::size_t i = a; i <= b; ++i)
      if (std::find(out.begin(), out.end(), i) == out.end()) out.push_back(i);
  }
  if (out.empty()) throw UsageError("--record-samples: empty list");
  return out;
}

std::vector<std::string> parse_record_layers(const std::string& text, const Conversion& c) {
  std::vector<std::string> out;
  if (text == "all") return out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const bool known = std::any_of(c.graph.layers.begin(), c.graph.layers.end(),
                                   [&](const Layer& l) { return l.name == item; });
    if (!known) {
      std::string names;
      for (const auto& l : c.graph.layers) names += (names.empty() ? "" : ", ") + l.name;
      throw UsageError(fmt::format("--record-layers: the network has no layer '{}' (layers: {})", item, names));
    }
    out.push_back(item);
  }
  return out;
}

RecordingSummary write_recording(const Conversion& c, const Dataset& d, const RecordOptions& o) {
  const SpikingNetwork net = compile(c.graph, c.spec);
  RunOptions ro;
  ro.timesteps = o.timesteps;
  const auto& plan = net.layers();
  std::vector<std::size_t> layers;
  for (std::size_t l = 0; l < plan.size(); ++l)
    if (o.layers.empty() || std::find(o.layers.begin(), o.layers.end(), plan[l].name) != o.layers.end())
      layers.push_back(l);
  ro.keep_membrane = o.membrane;
  for (std::size_t l : layers) ro.record_layers.push_back(static_cast<int>(l));
  RecordingSummary sum;
  for (std::size_t l : layers) sum.layers.push_back(plan[l].name);
  sum.events.assign(layers.size(), 0);

  const std::string tmp = fmt::format("{}.tmp{}", o.path, static_cast<long>(::getpid()));
  try {
    data::RecordingFile file(tmp, o.path);
    std::vector<int> indices;
    for (std::size_t i : o.samples) indices.push_back(static_cast<int>(o.first_sample + i));
    int steps = 0;
    for (std::size_t i : o.samples) {
      const SampleTrace tr = simulate(net, d.sample(i), i, ro);
      steps = static_cast<int>(tr.readout.size());
      data::RecordedSample rs;
      rs.index = o.first_sample + i;
      rs.label = d.y.empty() ? -1 : d.y[i];
      rs.prediction = tr.readout.empty() ? -1 : argmax(tr.readout.back());
      for (std::size_t k = 0; k < layers.size(); ++k) {
        const std::size_t l = layers[k];
        const SpikeTrain& train = tr.trains[l];
        const auto& to_graph = plan[l].to_graph;
        data::RecordedLayer rl;
        rl.name = plan[l].name;
        rl.neurons = static_cast<int>(plan[l].size());
        // A weightless layer (pooling, flatten) re-routes its input's events with scaled
        // payloads; those are not spikes (the run counts none for it).
        rl.spiking = plan[l].neuron != NeuronKind::None;
        rl.payload.assign(train.all_payload().begin(), train.all_payload().end());
        rl.step.reserve(train.events());
        rl.neuron.reserve(train.events());
        for (int t = 0; t < train.closed_steps(); ++t)
          for (std::int32_t id : train.ids(t)) {
            rl.step.push_back(t);
            rl.neuron.push_back(to_graph.empty() ? id : to_graph[static_cast<std::size_t>(id)]);
          }
        if (o.membrane && !tr.membrane[l].empty()) {
          rl.membrane = tr.membrane[l];
          rl.steps = steps;
        }
        sum.events[k] += train.events();
        rs.layers.push_back(std::move(rl));
      }
      file.add(rs);
    }
    file.close(o.network, c.spec.method, steps, sum.layers, indices);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, o.path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw InputError(fmt::format("{}: cannot write the file", o.path));
  }
  return sum;
}

}  // namespace brisk::experiments
