#pragma once
// Small helpers shared by the brisk subcommands: option parsing with uniform --help
// output and error messages that name the offending flag, and the dataset options.
#include <boost/program_options.hpp>
#include <cstdint>
#include <initializer_list>
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
// --count events|spikes (UsageError naming the flag for anything else).
SopConvention sop_convention(const po::variables_map& vm);

// A byte count with an optional binary suffix: "8G", "512M", "4096", "1.5G" (K, M, G, T:
// powers of 1024). UsageError naming --<flag> otherwise.
std::uint64_t parse_size(const std::string& text, const char* flag);

// --max-memory SIZE: the memory a simulation may take (estimated before it allocates)
void add_memory_option(po::options_description& options);
// --max-input-bytes alone (add_data_options includes it), for commands without --data.
void add_input_limit_option(po::options_description& options);
std::uint64_t max_memory(const po::variables_map& vm);

// --force: replace existing output files
void add_force_option(po::options_description& options);
// The files the command reads, from the values of `flags` (model paths, and the files of
// dataset specs such as --data X.npz,Y.npz or --calib-data FILE.h5:X,Y).
std::vector<std::string> input_paths(const po::variables_map& vm, std::initializer_list<const char*> flags);
// experiments::check_output for the value of --<flag> (when given), before any work; the
// message names `shown` ("-o", "--json").
void check_output_flag(const po::variables_map& vm, const char* flag, const char* shown,
                       const std::vector<std::string>& inputs, const std::string& suffix = "");

// --threads N (0 = all cores)
void add_thread_option(po::options_description& options);
int thread_count(const po::variables_map& vm);

}  // namespace brisk::cli
