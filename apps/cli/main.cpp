// brisk: command-line front end. Dispatches to the subcommands in commands.cpp and turns
// every brisk::Error into one line on stderr and the documented exit code.
#include <fmt/format.h>

#include <cstring>
#include <exception>
#include <iostream>
#include <new>
#include <string_view>

#include "commands.hpp"
#include "errors.hpp"
#include <brisk/core/base/error.hpp>
#include <brisk/core/base/version.hpp>

namespace {

void print_overview() {
  std::cout << "brisk " << brisk::kVersion
            << " - event-driven SNN simulator for ANN-to-SNN conversion at short spike trains\n\n"
               "usage: brisk <command> [options]\n"
               "       brisk <command> --help\n"
               "       brisk --version\n\ncommands:\n";
  for (const auto& c : brisk::cli::commands())
    std::cout << fmt::format("  {:<10} {}\n", c.name, c.summary);
  std::cout << "\nexit codes: 0 ok, 1 failed check, 2 bad command line, 3 bad input file or data,"
               " 4 internal error\n";
}

int run(int argc, char** argv) {
  if (argc < 2) {
    print_overview();
    return brisk::cli::kUsage;
  }
  std::string_view first = argv[1];
  if (first == "--help" || first == "-h" || first == "help") {
    print_overview();
    return 0;
  }
  if (first == "--version" || first == "-V") {
    std::cout << "brisk " << brisk::kVersion << "\n";
    return 0;
  }
  for (const auto& c : brisk::cli::commands())
    if (first == c.name) return c.run(argc - 1, argv + 1);
  throw brisk::UsageError(fmt::format("unknown command '{}' (see 'brisk --help')", first));
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (...) {
    return brisk::cli::report_current_exception();
  }
}
