#include "apps/commands.hpp"

#include <array>

namespace brisk::cli {

std::span<const Command> commands() {
  static constexpr std::array table{
      Command{"inspect", "describe a dataset (--data SPEC) or a model file", cmd_inspect},
  };
  return table;
}

}  // namespace brisk::cli
