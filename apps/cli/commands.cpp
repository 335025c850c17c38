#include "commands.hpp"

#include <array>

namespace brisk::cli {

std::span<const Command> commands() {
  static constexpr std::array table{
      Command{"inspect", "describe a dataset (--data SPEC) or a model file", cmd_inspect},
      Command{"eval", "accuracy of the imported ANN as a float network (the baseline)", cmd_eval},
      Command{"convert", "convert a trained ANN into a spiking network file (rate, radix, termap, augmap)", cmd_convert},
      Command{"run", "simulate a converted network (or convert and simulate) beside its ANN", cmd_run},
      Command{"sweep", "accuracy vs T for each method and calibration stage, into a result folder", cmd_sweep},
      Command{"bench", "throughput of the simulation core (images/s, SOPs/s, time per layer)", cmd_bench},
      Command{"compare", "differences between two result folders (figures and input hashes)", cmd_compare},
      Command{"diagnose", "per layer: ANN activation vs SNN output, where the error jumps, a hint", cmd_diagnose},
  };
  return table;
}

}  // namespace brisk::cli
