#pragma once
// --config FILE: every option of every command from an INI file (Boost.Program_options'
// config-file parser). Keys before any section apply to the command that reads the file;
// a [COMMAND] section (e.g. [sweep]) applies to that command only and wins over them;
// sections of other commands, and [manifest] and [inputs] (manifest.ini), are skipped.
// The command line wins over the file. A key that is not an option of the command, or an
// unknown section, is a UsageError naming the key and the file.
#include <initializer_list>
#include <string>

#include "cli.hpp"
#include <brisk/apps/experiments/manifest.hpp>

namespace brisk::cli {

void store_config_file(const std::string& path, const std::string& command,
                       const po::options_description& options, po::variables_map& vm);

// Every option value of `vm` (defaults included) as text a config file reads back, in
// name order, without the options named in `exclude` (outputs, --config, --force, ...).
experiments::KeyValues effective_config(const po::variables_map& vm, std::initializer_list<const char*> exclude);

}  // namespace brisk::cli
