// brisk run: simulate a converted network (or convert a model in memory and simulate it)
// and print its accuracy, accuracy-at-step curve, latency, spikes, SOPs and energy beside
// the ANN's.
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <optional>
#include <sstream>

#include "cli.hpp"
#include "errors.hpp"
#include "commands.hpp"
#include "conversion_cli.hpp"
#include "folder_cli.hpp"
#include "signals.hpp"
#include <brisk/apps/experiments/bitwise.hpp>
#include <brisk/apps/experiments/distributed.hpp>
#include <brisk/apps/experiments/evaluate.hpp>
#include <brisk/apps/experiments/files.hpp>
#include <brisk/apps/experiments/inputs.hpp>
#include <brisk/apps/experiments/predictions.hpp>
#include <brisk/apps/experiments/recording.hpp>
#include <brisk/conversion/import/load_model.hpp>
#include <brisk/conversion/snn_file.hpp>
#include <brisk/core/base/error.hpp>

namespace brisk::cli {

namespace {

float parse_input_max(const std::string& text, const std::string& path) {
  try {
    std::size_t used = 0;
    const float v = std::stof(text, &used);
    if (used == text.size() && v > 0 && std::isfinite(v)) return v;
  } catch (const std::exception&) {
  }
  throw InputError(fmt::format("{}: provenance input_max '{}' is not a positive number", path, text));
}

int run_command(experiments::Communicator& comm, int argc, char** argv) {
  static const CommandHelp help{
      "run", "brisk run (NET.h5 | MODEL --method M) --data SPEC [--timesteps T] [options]",
      "Simulate a spiking network over a dataset and print its accuracy, the accuracy after\n"
      "every step (one simulation gives the whole latency/accuracy curve), the latency,\n"
      "spikes, synaptic operations (SOPs) and energy per sample, beside the ANN's. NET.h5 is\n"
      "a file written by 'brisk convert'; given a trained ANN instead, run converts it in\n"
      "memory first with the conversion flags (see 'brisk convert --help'); a converted file\n"
      "ignores them except --timesteps (simulate another T than it was converted for),\n"
      "--encoder (re-encode its input; the scale comes from the file's provenance input_max,\n"
      "else 1) with --aug-bits, and --seed (the rate encoder's seed).",
      "  brisk run cnn_rate16.h5 --data fashion-mnist:test\n"
      "  brisk run cnn_rate16.h5 --data fashion-mnist --timesteps 32 --json run.json\n"
      "  brisk run models/fmnist_cnn_q8.h5 --method radix --data fashion-mnist\n"
      "  brisk run models/fmnist_cnn.h5 --method rate -T 8 --calibrate all --data fashion-mnist\n"
      "  brisk run models/fmnist_cnn.h5 --method rate -T 32 --encoder rate --data fashion-mnist\n"
      "  brisk run cnn_rate16.h5 --encoder rate --seed 7 --data fashion-mnist\n"
      "  brisk run models/fmnist_tnn.h5 --method ternary --data fashion-mnist\n"
      "  brisk run models/fmnist_bnn.h5 --method binary --ensemble 8 --combine votes --data fashion-mnist\n"};
  po::options_description opts("options");
  opts.add_options()
      ("network", po::value<std::string>()->required(), "converted network or trained ANN (also positional)")
      ("json", po::value<std::string>(), "also write the results to this JSON file")
      ("save", po::value<std::string>(), "MODEL input: also write the converted network here")
      ("out", po::value<std::string>(),
       "also write a result folder: results.json, results.csv, results.md, manifest.ini (see 'brisk sweep --help')")
      ("predictions", po::value<std::string>(),
       "write per-sample label, predicted class at every step and final logits (.npy or .csv)")
      ("predictions-steps", po::value<std::string>()->default_value("all"),
       "the steps of --predictions: all, or a comma list such as 1,4,16")
      ("record", po::value<std::string>(),
       "write the spike trains (step, neuron, payload) of --record-samples to this HDF5 file (docs/recording.md)")
      ("record-layers", po::value<std::string>()->default_value("all"), "layers to record: all, or L1,L2")
      ("record-samples", po::value<std::string>()->default_value("0-9"),
       "samples to record (indices into the --samples/--offset slice): 0-9, 3, 0-4,20")
      ("record-membrane", po::bool_switch(),
       "--record: also write every recorded layer's membrane potentials after each step "
       "(float32 [steps][neurons], docs/recording.md)")
      ("ensemble", po::value<int>()->default_value(0),
       "--method binary|ternary: run N members sampled by stochastic rounding of the latent "
       "weights (seeded from --seed and the member index) instead of the deterministic network")
      ("combine", po::value<std::string>()->default_value("logits"),
       "ensembles: combine the members by summed logits or by votes (logits|votes)")
      ("bitwise-kernel", po::value<std::string>()->default_value("packed"),
       "--method binary|ternary: packed (bit planes and popcounts, ops/bitdense.cpp) or float "
       "(the float Dense operator on the same network: brisk's float T = 1 path)")
      ("preactivations", po::value<std::string>(),
       "--method binary|ternary: write every bitwise layer's integer pre-activations, as the SNN "
       "computes them, to PREFIX.<layer>.npy (float32 [N][neurons]) and exit")
      ("logits", po::value<std::string>(),
       "also write the SNN's final readout values here (.npy, float32 [N][classes]; not for ensembles)");
  add_data_options(opts, "data", /*required=*/true);
  add_conversion_options(opts);
  add_thread_option(opts);
  add_memory_option(opts);
  add_force_option(opts);
  add_energy_options(opts);
  add_progress_options(opts);
  po::positional_options_description pos;
  pos.add("network", 1);
  po::variables_map vm;
  if (!parse(argc, argv, help, opts, &pos, vm)) return 0;
  const std::string path = vm["network"].as<std::string>();
  const int threads = thread_count(vm);
  const EnergyModel energy = energy_model(vm);  // --count, --pj-ac, --pj-mac: checked before any work
  const auto inputs = input_paths(vm, {"network", "data", "arch", "calib-data"});
  check_output_flag(vm, "json", "--json", inputs);
  check_output_flag(vm, "save", "--save", inputs);
  check_output_flag(vm, "predictions", "--predictions", inputs);
  check_output_flag(vm, "record", "--record", inputs);
  if (vm["record-membrane"].as<bool>() && !vm.count("record"))
    throw UsageError("--record-membrane: needs --record FILE.h5 (the recording it is written into)");
  if (vm.count("predictions")) experiments::check_predictions_path(vm["predictions"].as<std::string>());
  if (vm.count("out") && comm.root()) experiments::prepare_output_folder(vm["out"].as<std::string>(), folder_mode(vm), inputs, "--out");
  experiments::Manifest manifest;
  if (vm.count("out")) manifest = start_manifest("run", vm, threads);
  if (vm.count("json") && vm.count("save") &&
      vm["json"].as<std::string>() == vm["save"].as<std::string>())
    throw UsageError("--json and --save name the same file");

  // A converted file runs as converted unless --timesteps is given explicitly.
  Conversion c;
  int timesteps = 0;
  const bool converted = is_snn_file(path);
  std::optional<Bitwise> bitwise;
  if (!converted) bitwise = bitwise_method(vm["method"].as<std::string>());
  const int ensemble = vm["ensemble"].as<int>();
  if (vm.count("preactivations") && (!bitwise || ensemble != 0))
    throw UsageError("--preactivations: only with --method binary or ternary on a bitwise model, without --ensemble");
  if (ensemble != 0 && !bitwise)
    throw UsageError("--ensemble: only with --method binary or ternary on a bitwise model");
  check_output_flag(vm, "predictions", "--predictions", inputs);
  check_output_flag(vm, "logits", "--logits", inputs);
  if (ensemble != 0 && vm.count("logits")) throw UsageError("--logits: not for ensembles (use --predictions)");
  if (bitwise && ensemble != 0) {  // stochastic ensemble of bitwise networks (issue 10)
    if (vm.count("save")) throw UsageError("--save: an ensemble is not one network; save without --ensemble");
    experiments::EnsembleOptions eo;
    eo.members = ensemble;
    eo.combine = experiments::parse_combine(vm["combine"].as<std::string>());
    eo.seed = vm["seed"].as<std::uint64_t>();
    const Graph model = load_model(path, input_options(vm).import);
    const Dataset d = load_data(vm);
    const auto e = experiments::evaluate_ensemble(model, *bitwise, eo, d, threads, energy,
                                                  max_memory(vm));
    std::cout << fmt::format("network   {} ({} ensemble of {} members, combined by {}, seed {})\n",
                             path, bitwise_name(*bitwise), eo.members,
                             experiments::combine_name(eo.combine), eo.seed);
    print_evaluation(e, std::cout);
    if (vm.count("predictions")) {  // one step; the members' combined logits are not kept
      experiments::Predictions p;
      p.first_sample = vm["offset"].as<std::size_t>();
      p.labels = d.y;
      p.steps = {1};
      p.predicted = e.result.predictions;
      experiments::write_predictions(vm["predictions"].as<std::string>(), p);
    }
    if (vm.count("json")) {
      nlohmann::json j = experiments::evaluation_json(e);
      j["network"] = path;
      j["method"] = bitwise_name(*bitwise);
      j["ensemble"] = eo.members;
      j["combine"] = experiments::combine_name(eo.combine);
      j["seed"] = eo.seed;
      experiments::write_file_atomically(vm["json"].as<std::string>(), j.dump(2) + "\n");
    }
    return 0;
  }
  if (converted) {
    c = read_snn(path);
    if (!vm["timesteps"].defaulted()) timesteps = vm["timesteps"].as<int>();
    if (!vm["timesteps"].defaulted() && timesteps <= 0)
      throw UsageError(fmt::format("--timesteps must be positive, got {}", timesteps));
    if (!vm["seed"].defaulted()) c.spec.seed = vm["seed"].as<std::uint64_t>();
    if (vm.count("encoder")) {
      const auto max = c.provenance.find("input_max");
      set_encoder(c, parse_encoder(vm["encoder"].as<std::string>()),
                  max == c.provenance.end() ? 1.0f : parse_input_max(max->second, path),
                  vm["aug-bits"].as<int>());
    }
  } else if (bitwise) {  // a binary / ternary model as a T = 1 SNN (conversion/bitwise.hpp)
    c = experiments::convert_bitwise_model(path, input_options(vm), *bitwise);
    const std::string kernel = vm["bitwise-kernel"].as<std::string>();
    if (kernel != "packed" && kernel != "float")
      throw UsageError(fmt::format("--bitwise-kernel: expected packed or float, got '{}'", kernel));
    if (kernel == "float")  // the same integers through the float Dense operator
      for (auto& l : c.graph.layers) l.bitwise = Bitwise::None, l.threshold_hi.clear(), l.threshold_lo.clear(),
                                      l.weight_scale.clear(), l.latent_weight.clear(), l.input_levels = 0;
    if (vm.count("save")) write_snn(c, vm["save"].as<std::string>());
    if (vm.count("preactivations")) {
      const Dataset d = load_data(vm);
      const std::string prefix = vm["preactivations"].as<std::string>();
      for (const auto& [name, values] : experiments::bitwise_preactivations(c, d, threads)) {
        const std::string file = fmt::format("{}.{}.npy", prefix, name);
        experiments::check_output(file, inputs, vm["force"].as<bool>(), "--preactivations");
        experiments::write_npy(file, values, {d.count(), d.count() ? values.size() / d.count() : 0});
        std::cout << fmt::format("wrote {}\n", file);
      }
      return 0;
    }
  } else {
    c = experiments::convert_model(path, input_options(vm), conversion_options(vm));
    if (vm.count("save") && comm.root()) write_snn(c, vm["save"].as<std::string>());
  }
  const Dataset d = load_data(vm);
  experiments::RecordOptions record;
  if (vm.count("record")) {
    record.path = vm["record"].as<std::string>();
    record.layers = experiments::parse_record_layers(vm["record-layers"].as<std::string>(), c);
    record.samples = experiments::parse_sample_list(vm["record-samples"].as<std::string>(), d.count());
    record.timesteps = timesteps;
    record.network = path;
    record.first_sample = vm["offset"].as<std::size_t>();
    record.membrane = vm["record-membrane"].as<bool>();
  }
  // Under mpirun the ranks share the samples (docs/mpi.md); per-sample outputs need one process.
  if (comm.size() > 1 && (vm.count("predictions") || vm.count("record") || vm.count("logits")))
    throw UsageError(fmt::format("--{}: not available under mpirun (run it in one process)",
                                 vm.count("predictions") ? "predictions" : vm.count("record") ? "record" : "logits"));
  experiments::EvaluateControl control;
  control.step_predictions = vm.count("predictions") > 0;
  control.logits = vm.count("predictions") > 0 || vm.count("logits") > 0;
  StopOnSignal signals;
  control.stop = signals.flag();
  experiments::Progress progress(std::cerr, progress_mode(vm));
  control.samples_done = progress.counter();
  progress.begin(fmt::format("{} T={}", c.spec.method, timesteps ? timesteps : c.spec.timesteps), 0, 1, d.count());
  const experiments::Evaluation e =
      comm.size() > 1
          ? experiments::evaluate_distributed(comm, c, d, timesteps, threads, energy, max_memory(vm))
          : experiments::evaluate(c, d, timesteps, threads, energy, max_memory(vm), control);
  progress.end();
  if (e.result.interrupted) {
    std::cerr << fmt::format("brisk: interrupted by signal {}; nothing written\n", signals.signal());
    return kExitInterrupted;
  }

  std::ostringstream text;
  text << fmt::format("network   {} ({}{}; converted for T = {})\n", path, c.spec.method,
                      converted ? "" : ", converted in memory", c.spec.timesteps);
  print_conversion(c, text);
  print_evaluation(e, text);
  std::cout << text.str() << std::flush;
  if (vm.count("predictions")) {
    experiments::Predictions p;
    p.first_sample = vm["offset"].as<std::size_t>();
    p.labels = d.y;
    p.steps = experiments::parse_prediction_steps(vm["predictions-steps"].as<std::string>(), e.result.steps);
    const auto steps = static_cast<std::size_t>(e.result.steps);
    p.predicted.reserve(d.count() * p.steps.size());
    for (std::size_t i = 0; i < d.count(); ++i)
      for (int t : p.steps) p.predicted.push_back(e.result.step_predictions[i * steps + static_cast<std::size_t>(t - 1)]);
    p.classes = d.count() ? e.result.logits.size() / d.count() : 0;
    p.logits = e.result.logits;
    experiments::write_predictions(vm["predictions"].as<std::string>(), p);
  }
  if (vm.count("logits") && comm.root())
    experiments::write_npy(vm["logits"].as<std::string>(), e.result.logits,
                           {e.samples, e.samples ? e.result.logits.size() / e.samples : 0});
  if (vm.count("record")) {
    const experiments::RecordingSummary rs = experiments::write_recording(c, d, record);
    std::uint64_t events = 0;
    for (auto e : rs.events) events += e;
    std::cout << fmt::format("recorded  {} samples, {} layers, {} events{} to {}\n", record.samples.size(),
                             rs.layers.size(), events, record.membrane ? " and membrane potentials" : "",
                             record.path);
  }
  if ((vm.count("json") || vm.count("out")) && comm.root()) {
    nlohmann::json j = experiments::evaluation_json(e);
    j["network"] = path;
    j["method"] = c.spec.method;
    j["converted_timesteps"] = c.spec.timesteps;
    j["encoder"] = encoders::name(c.spec.encoder);
    j["input_scale"] = c.spec.input_scale;
    j["seed"] = c.spec.seed;
    j["provenance"] = c.provenance;
    if (!c.calibration_report.empty()) j["calibration"] = nlohmann::json::parse(c.calibration_report);
    if (vm.count("json")) experiments::write_file_atomically(vm["json"].as<std::string>(), j.dump(2) + "\n");
    if (vm.count("out")) {
      const std::string dir = vm["out"].as<std::string>();
      manifest.calib_indices = c.calib_indices;
      manifest.calib_rule = converted ? "from the converted file's provenance" :
          fmt::format("draw_indices(pool size, calib-samples = {}, seed = {}) over the pool of calib-data",
                      vm["calib-samples"].as<std::size_t>(), vm["seed"].as<std::uint64_t>());
      manifest.total = manifest.finished = 1;
      experiments::write_run_results(dir, j, text.str());
      manifest.end = experiments::utc_now();
      manifest.status = "complete";
      experiments::write_manifest(dir, manifest);
    }
  }
  return 0;
}

}  // namespace

// Under mpirun every rank runs the command (docs/mpi.md); one process otherwise.
int cmd_run(int argc, char** argv) {
  return on_ranks([&](experiments::Communicator& comm) { return run_command(comm, argc, argv); });
}

}  // namespace brisk::cli
