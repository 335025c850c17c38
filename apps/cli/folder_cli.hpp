#pragma once
// The flags of commands that write a result folder and show progress: --quiet, --progress,
// and the manifest they write (experiments/folder.hpp, manifest.hpp).
#include <string>

#include "cli.hpp"
#include <brisk/apps/experiments/folder.hpp>
#include <brisk/apps/experiments/manifest.hpp>
#include <brisk/apps/experiments/progress.hpp>

namespace brisk::cli {

// --quiet --progress
void add_progress_options(po::options_description& options);
// Off with --quiet; a bar when stderr is a terminal; log lines with --progress otherwise.
experiments::ProgressMode progress_mode(const po::variables_map& vm);

// New, or Force (--force) or Resume (--resume, when the command has it).
experiments::FolderMode folder_mode(const po::variables_map& vm);

// The manifest's fixed part: the effective configuration (without outputs and display
// flags), the inputs' SHA-256, the seed, the thread count and the start time.
experiments::Manifest start_manifest(const std::string& command, const po::variables_map& vm, int threads);

}  // namespace brisk::cli
