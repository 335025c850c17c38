#pragma once
// Small helpers shared by the brisk subcommands: option parsing with uniform --help
// output and error messages that name the offending flag, and the dataset options.
#include <boost/program_options.hpp>
#include <string>
#include <vector>

#include <brisk/core/engine/metrics.hpp>
#include <brisk/data/dataset.hpp>

namespace brisk::cli {

namespace po = boost::program_options;

struct CommandHelp {
  const char* name;      // "inspect"
  const char* usage;     // "brisk inspect (--data SPEC | MODEL) [options]"
  const char* summary;   // one paragraph
  const char* examples;  // lines of examples, each ending in '\n'
};

// Parses argv (argv[0] is the subcommand name). Prints the help text and returns false
// on --help / -h. Throws UsageError naming the flag on any bad option or value.
bool parse(int argc, char** argv, const CommandHelp& help, po::options_description& options,
           const po::positional_options_description* positional, po::variables_map& vm);

// --data SPEC --samples N --offset K --nhwc --x-name --y-name
void add_data_options(po::options_description& options, const char* flag = "data",
                      bool required = true);
// Loads the dataset named by --<flag> with the slice options.
Dataset load_data(const po::variables_map& vm, const char* flag = "data");

// --pj-ac E --pj-mac E: the energy model (pJ per accumulate / per multiply-accumulate)
void add_energy_options(po::options_description& options);
EnergyModel energy_model(const po::variables_map& vm);

// --threads N (0 = all cores)
void add_thread_option(po::options_description& options);
int thread_count(const po::variables_map& vm);

}  // namespace brisk::cli
