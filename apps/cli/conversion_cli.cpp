#include "conversion_cli.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include <brisk/conversion/import/load_model.hpp>
#include <brisk/core/base/error.hpp>
#include <brisk/neurons/neuron.hpp>

namespace brisk::cli {

void add_conversion_options(po::options_description& options) {
  options.add_options()
      ("method", po::value<std::string>()->default_value("rate"),
       "rate (IF, reset by subtraction), radix (K digits base B), termap (double threshold), "
       "augmap (augmented spikes); binary, ternary (a bitwise model as a T = 1 SNN)")
      ("timesteps,T", po::value<int>()->default_value(16), "T: steps of the spike train (rate, termap, augmap)")
      ("radix-base", po::value<int>()->default_value(2), "radix: base B")
      ("radix-digits", po::value<int>()->default_value(0),
       "radix: digits K (0 = the model's act_bits, else 8)")
      ("aug-bits", po::value<int>()->default_value(4),
       "augmap: bit width b of a spike's coefficient (max 2^b - 1)")
      ("v0", po::value<std::string>()->default_value("half"),
       "initial potential: half (theta/2, rounds) or zero (floors)")
      ("balance", po::value<std::string>()->default_value("mse"),
       "threshold balancing: mse (the clip value minimising the code's clip-floor error at this T "
       "or K), percentile, or max")
      ("percentile", po::value<double>()->default_value(99.9, "99.9"), "percentile p for --balance percentile")
      ("per-channel", po::bool_switch(), "one threshold per output channel instead of per layer")
      ("calib-data", po::value<std::string>()->default_value("fashion-mnist:train"),
       "calibration data spec (a training split)")
      ("calib-samples", po::value<std::size_t>()->default_value(1000),
       "calibration samples drawn (seeded) from the calibration data")
      ("calib-offset", po::value<std::size_t>()->default_value(0),
       "first sample of the calibration pool")
      ("calib-pool", po::value<std::size_t>()->default_value(0),
       "size of the calibration pool (0 = all from --calib-offset on)")
      ("calibrate", po::value<std::string>()->default_value("none"),
       "layer-wise calibration stages: none, all, or a comma list of weights,bias,potential")
      ("ridge", po::value<double>()->default_value(0.05, "0.05"),
       "weight calibration: pull towards the original weights (relative to the Gram diagonal)")
      ("potential-scope", po::value<std::string>()->default_value("channel"),
       "potential calibration: one V0 shift per channel, or per neuron (channel and position); "
       "used only when the potential stage runs (in a sweep: in the rows that run it)")
      ("encoder", po::value<std::string>(),
       "input encoder: direct (default for every method), rate, radix or augmented. Scale: the "
       "largest |x| of the calibration samples (1 when none are drawn); augmented divides it "
       "by 2^aug-bits - 1. rate/termap/augmap take direct, rate or augmented; radix takes "
       "direct or radix (its --radix-base/--radix-digits)")
      ("seed", po::value<std::uint64_t>()->default_value(1),
       "seed of the calibration sample draw and of the rate encoder")
      ("arch", po::value<std::string>()->default_value(""), "architecture JSON for a weights-only Keras file")
      ("theano-flip", po::value<std::string>()->default_value("auto"),
       "rotate convolution kernels of Theano-trained files: auto, flip, no-flip");
}

ConvertOptions conversion_options(const po::variables_map& vm) {
  ConvertOptions o;
  o.mapping.method = parse_method(vm["method"].as<std::string>());
  o.mapping.timesteps = vm["timesteps"].as<int>();
  o.mapping.radix_base = vm["radix-base"].as<int>();
  o.mapping.radix_digits = vm["radix-digits"].as<int>();
  o.mapping.aug_bits = vm["aug-bits"].as<int>();
  o.mapping.half_v0 = parse_half_v0(vm["v0"].as<std::string>());
  o.balance.method = parse_balance_method(vm["balance"].as<std::string>());
  o.balance.percentile = vm["percentile"].as<double>();
  o.balance.per_channel = vm["per-channel"].as<bool>();
  o.calib_samples = vm["calib-samples"].as<std::size_t>();
  o.calibration = parse_stages(vm["calibrate"].as<std::string>());
  o.calibration.ridge = vm["ridge"].as<double>();
  o.calibration.potential_scope = parse_potential_scope(vm["potential-scope"].as<std::string>());
  o.seed = vm["seed"].as<std::uint64_t>();
  if (vm.count("encoder")) o.encoder = parse_encoder(vm["encoder"].as<std::string>());
  o.threads = thread_count(vm);
  if (vm.count("max-memory")) o.calibration.max_memory = max_memory(vm);
  check_options(o);
  return o;
}

experiments::InputOptions input_options(const po::variables_map& vm) {
  experiments::InputOptions o;
  o.import.arch = vm["arch"].as<std::string>();
  o.import.theano_flip = parse_theano_flip(vm["theano-flip"].as<std::string>());
  o.calib_data = vm["calib-data"].as<std::string>();
  o.calib_offset = vm["calib-offset"].as<std::size_t>();
  o.calib_pool = vm["calib-pool"].as<std::size_t>();
  if (vm.count("max-input-bytes"))
    o.max_input_bytes = parse_size(vm["max-input-bytes"].as<std::string>(), "max-input-bytes");
  return o;
}

namespace {

// "lo..hi (n ch)", or "(n neurons)" when v holds one value per neuron of a layer of shape
// `shape` with more than one position per channel (a per-neuron potential correction).
std::string range_text(const std::vector<float>& v, const std::vector<int>& shape = {}) {
  if (v.empty()) return "-";
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  if (v.size() == 1 || *lo == *hi) return fmt::format("{:.4g}", *lo);
  std::size_t neurons = 1;
  for (int d : shape) neurons *= static_cast<std::size_t>(d);
  const bool per_neuron = shape.size() > 1 && v.size() == neurons && neurons > static_cast<std::size_t>(shape[0]);
  return fmt::format("{:.4g}..{:.4g} ({} {})", *lo, *hi, v.size(), per_neuron ? "neurons" : "ch");
}

const char* neuron_label(NeuronKind n) { return neurons::traits(n).label; }

}  // namespace

void print_conversion(const Conversion& c, std::ostream& out) {
  out << fmt::format("method {}, T = {}, encoder {}", c.spec.method, c.spec.timesteps,
                     encoders::name(c.spec.encoder));
  if (c.spec.encoder != EncoderKind::Direct)
    out << fmt::format(" (input scale {:.4g}, seed {})", c.spec.input_scale, c.spec.seed);
  out << "\n";
  nlohmann::json report;
  if (!c.calibration_report.empty()) report = nlohmann::json::parse(c.calibration_report);
  auto err = [&](const std::string& layer, const char* key) -> std::string {
    if (!report.contains("layers")) return "";
    for (const auto& l : report["layers"])
      if (l["layer"] == layer && !l[key].is_null()) return fmt::format("{:.3g}", l[key].get<double>());
    return "";
  };
  const bool measured = report.contains("layers");
  out << fmt::format("{:<16} {:<11} {:<26} {:<30} {:>10} {:>10}\n", "layer", "neuron",
                     "threshold", "v0", measured ? "mse before" : "", measured ? "mse after" : "");
  for (std::size_t i = 0; i < c.graph.layers.size(); ++i) {
    const LayerSpec& s = c.spec.layers[i];
    if (s.neuron == NeuronKind::None) continue;
    const std::string& name = c.graph.layers[i].name;
    std::string neuron = neuron_label(s.neuron);
    if (s.neuron == NeuronKind::Augmented) neuron += fmt::format("<={}", s.max_coefficient);
    if (s.neuron == NeuronKind::Radix) neuron += fmt::format(" B{}K{}", s.radix_base, s.radix_digits);
    out << fmt::format("{:<16} {:<11} {:<26} {:<30} {:>10} {:>10}\n", name, neuron,
                       s.neuron == NeuronKind::Readout ? "-" : range_text(s.threshold),
                       range_text(s.v0, c.graph.layers[i].out_shape), err(name, "mse_before"), err(name, "mse_after"));
  }
  if (report.contains("seconds"))
    out << fmt::format("calibration: {} ({} samples from {}), {:.2f} s, {} engine runs\n",
                       c.provenance.count("calibration") ? c.provenance.at("calibration") : "none",
                       c.calib_indices.size(),
                       c.provenance.count("calib_data") ? c.provenance.at("calib_data") : "",
                       report["seconds"].get<double>(), report["engine_runs"].get<int>());
}

namespace {

// Steps shown in the accuracy-at-step line: powers of two and the last step.
std::vector<int> curve_steps(int steps) {
  std::vector<int> out;
  for (int t = 1; t < steps; t *= 2) out.push_back(t);
  out.push_back(steps);
  return out;
}

}  // namespace

void print_evaluation(const experiments::Evaluation& e, std::ostream& out) {
  const RunResult& r = e.result;
  const double n = static_cast<double>(std::max<std::size_t>(e.samples, 1));
  out << fmt::format("data      {} ({} samples)\n", e.data, e.samples);
  out << fmt::format("ANN       accuracy {:.2f}%  ({} MACs, {:.3f} uJ per sample)\n", 100 * e.ann_accuracy,
                     r.ann_macs, r.ann_energy_pj * 1e-6);
  if (e.quantized_reference)
    out << fmt::format("quant ANN accuracy {:.2f}%  (the clip-floor ANN the radix code reproduces)\n",
                       100 * e.ref_accuracy);
  out << fmt::format("SNN       accuracy {:.2f}%  ({:+.2f} points; predictions agree with the {} on "
                     "{:.2f}%)\n",
                     100 * r.accuracy.back(), 100 * (r.accuracy.back() - e.ann_accuracy),
                     e.quantized_reference ? "quantized ANN" : "ANN", 100 * e.agreement);
  std::string curve;
  for (int t : curve_steps(static_cast<int>(r.accuracy.size())))
    curve += fmt::format("  t={}: {:.2f}%", t, 100 * r.accuracy[static_cast<std::size_t>(t - 1)]);
  out << "at step  " << curve << "\n";
  out << fmt::format("latency   {} steps\n", r.latency_steps);
  out << fmt::format("per image {:.0f} spikes, {:.0f} SOPs, {:.0f} analog MACs; energy {:.3f} uJ "
                     "(ANN {:.3f} uJ)\n",
                     static_cast<double>(r.total_spikes) / n, static_cast<double>(r.total_sops) / n,
                     static_cast<double>(r.total_analog_macs) / n, r.snn_energy_pj * 1e-6,
                     r.ann_energy_pj * 1e-6);
  out << fmt::format("SOPs      counted as {}\n", sop_convention_text(e.energy.sops));
  out << fmt::format("{:<16} {:>12} {:>14}\n", "layer", "spikes/img", "SOPs/img");
  for (const auto& l : r.layers) {
    if (l.spikes == 0 && l.sops == 0) continue;
    out << fmt::format("{:<16} {:>12.1f} {:>14.0f}\n", l.name, static_cast<double>(l.spikes) / n,
                       static_cast<double>(l.sops) / n);
  }
  out << fmt::format("speed     {:.0f} images/s, {:.3g} SOPs/s ({:.2f} s)\n", r.images_per_second(),
                     r.sops_per_second(), r.seconds);
}

}  // namespace brisk::cli
