// A downstream program on the installed brisk: loads a model and a slice of a dataset,
// evaluates the ANN, converts it (rate, T = 8, no calibration stages), simulates the SNN and
// prints both accuracies — through the installed headers and brisk::experiments only.
#include <cstdio>
#include <cstdlib>

#include <brisk/apps/experiments/evaluate.hpp>
#include <brisk/apps/experiments/inputs.hpp>
#include <brisk/conversion/convert.hpp>
#include <brisk/core/base/error.hpp>
#include <brisk/core/base/version.hpp>
#include <brisk/data/dataset.hpp>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: consumer MODEL DATA-SPEC\n");
    return 2;
  }
  try {
    brisk::LoadOptions lo;
    lo.samples = 200;
    const brisk::Dataset data = brisk::load_dataset(argv[2], lo);

    // Balancing draws its calibration samples from the same small slice.
    brisk::experiments::ConversionInputs in =
        brisk::experiments::load_conversion_inputs(argv[1], {}, false);
    in.calib = data;
    in.calib_label = data.source;
    std::printf("brisk %s: %zu layers, %zu MACs\n", brisk::kVersion, in.model.layers.size(),
                brisk::graph_macs(in.model));

    std::printf("ANN accuracy %.2f%% (%zu samples)\n",
                100 * brisk::experiments::ann_accuracy(in.model, data, 0), data.count());

    brisk::ConvertOptions co;
    co.mapping.method = brisk::Method::Rate;
    co.mapping.timesteps = 8;
    co.calib_samples = 100;
    const brisk::Conversion c = brisk::experiments::convert_loaded(in, co);
    const brisk::experiments::Evaluation e = brisk::experiments::evaluate(c, data, 0, 0);
    std::printf("SNN accuracy %.2f%% (method %s, T = %d, %.0f SOPs per sample)\n",
                100 * e.result.accuracy.back(), c.spec.method.c_str(), e.timesteps,
                static_cast<double>(e.result.total_sops) / static_cast<double>(e.samples));
    std::printf("json keys %zu\n", brisk::experiments::evaluation_json(e).size());
  } catch (const brisk::Error& err) {
    std::fprintf(stderr, "consumer: %s\n", err.what());
    return 1;
  }
  return EXIT_SUCCESS;
}
