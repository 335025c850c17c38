// brisk convert: a trained ANN -> a spiking network file (docs/snn-schema.md).
#include <fmt/format.h>

#include <chrono>
#include <iostream>

#include "cli.hpp"
#include "errors.hpp"
#include "commands.hpp"
#include "conversion_cli.hpp"
#include <brisk/apps/experiments/distributed.hpp>
#include <brisk/apps/experiments/bitwise.hpp>
#include <brisk/apps/experiments/inputs.hpp>
#include <brisk/conversion/snn_file.hpp>
#include <brisk/core/base/error.hpp>

namespace brisk::cli {

namespace {

int convert_command(experiments::Communicator& comm, int argc, char** argv) {
  static const CommandHelp help{
      "convert", "brisk convert MODEL -o NET.h5 --method rate|radix|termap|augmap|binary|ternary [options]",
      "Convert a trained ANN (Keras HDF5 / .keras, or brisk ANN HDF5) into a spiking network\n"
      "and write it as a brisk SNN HDF5 file: per layer neuron model, thresholds, biases, V0\n"
      "and mapping parameters, the reference ANN, and the provenance (model SHA-256,\n"
      "calibration data and indices, seed, brisk version). Thresholds come from balancing on\n"
      "--calib-samples samples of --calib-data; --calibrate adds layer-wise calibration\n"
      "(Li et al. 2021) for rate, termap and augmap. binary / ternary take a bitwise model\n"
      "(docs/native-schema.md) and write its T = 1 double-threshold network, no calibration.\n"
      "The file is written atomically.",
      "  brisk convert models/fmnist_cnn.h5 -o cnn_rate16.h5 --method rate -T 16 --calibrate all\n"
      "  brisk convert models/fmnist_cnn_q8.h5 -o cnn_radix.h5 --method radix\n"
      "  brisk convert models/fmnist_tnn.h5 -o tnn.h5 --method ternary\n"
      "  brisk convert models/fmnist_cnn.h5 -o cnn_aug.h5 --method augmap -T 4 --aug-bits 4\n"
      "  brisk convert models/fmnist_cnn.h5 -o cnn_rate32in.h5 --method rate -T 32 --encoder rate\n"
      "  brisk convert models/fmnist_cnn_q8.h5 -o cnn_radixin.h5 --method radix --encoder radix\n"
      "  brisk convert lenet.h5 -o lenet_radix.h5 --method radix --radix-digits 8 \\\n"
      "      --calib-data x_test.npz,y_test.npz --calib-pool 1000\n"};
  po::options_description opts("options");
  opts.add_options()
      ("model", po::value<std::string>()->required(), "trained ANN file (also positional)")
      ("output,o", po::value<std::string>()->required(), "converted network file to write");
  add_conversion_options(opts);
  add_thread_option(opts);
  add_memory_option(opts);
  add_input_limit_option(opts);
  add_force_option(opts);
  po::positional_options_description pos;
  pos.add("model", 1);
  po::variables_map vm;
  if (!parse(argc, argv, help, opts, &pos, vm)) return 0;
  const auto bitwise = bitwise_method(vm["method"].as<std::string>());
  const ConvertOptions co = bitwise ? ConvertOptions{} : conversion_options(vm);
  const std::string model = vm["model"].as<std::string>();
  const std::string out = vm["output"].as<std::string>();
  check_output_flag(vm, "output", "-o", input_paths(vm, {"model", "arch", "calib-data"}));

  if (!comm.root()) return 0;  // rank 0 alone converts and writes

  const auto t0 = std::chrono::steady_clock::now();
  const Conversion c = bitwise ? experiments::convert_bitwise_model(model, input_options(vm), *bitwise)
                               : experiments::convert_model(model, input_options(vm), co);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  write_snn(c, out);
  print_conversion(c, std::cout);
  std::cout << fmt::format("wrote {} ({} from {}, {:.2f} s)\n", out, c.spec.method, model, seconds);
  return 0;
}

}  // namespace

// Under mpirun every rank runs the command (docs/mpi.md); one process otherwise.
int cmd_convert(int argc, char** argv) {
  return on_ranks([&](experiments::Communicator& comm) { return convert_command(comm, argc, argv); });
}

}  // namespace brisk::cli
