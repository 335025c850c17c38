#pragma once
// Result folders (`brisk sweep --out DIR`, `brisk run --out DIR`): the folder check, and
// the writers and readers of its files. Every file is written atomically (a temporary
// beside it and a rename), so a folder is consistent whenever a sweep stops.
//
//   DIR/results.csv   one row per finished configuration
//   DIR/results.json  the same rows with the settings (brisk_plot.py reads it)
//   DIR/results.md    the tables
//   DIR/results.png, DIR/results.svg  the plots (sweep, when the sweep completed)
//   DIR/manifest.ini  experiments/manifest.hpp
#include <string>
#include <vector>

#include <brisk/apps/experiments/manifest.hpp>
#include <brisk/apps/experiments/sweep.hpp>

namespace brisk::experiments {

enum class FolderMode { New, Force, Resume };

// Before any work. A folder that does not exist is created (its parent must exist:
// InputError otherwise). An existing non-empty folder is refused (UsageError naming
// `flag`) unless `mode` is Force (its result files are replaced) or Resume (it must hold
// a manifest.ini). A path that is a file, or an input, is a UsageError.
void prepare_output_folder(const std::string& dir, FolderMode mode, const std::vector<std::string>& inputs,
                           const std::string& flag);

std::string folder_file(const std::string& dir, const std::string& name);  // DIR/name

// results.csv, results.json and results.md of `s` (the rows finished so far).
void write_sweep_results(const std::string& dir, const Sweep& s);
// The rows of DIR/results.json (a sweep written by write_sweep_results); InputError naming
// the file when it is missing or malformed.
std::vector<SweepRow> read_sweep_rows(const std::string& dir);
// results.png and results.svg from results.json (tools/brisk_plot.py); "" or why not.
std::string write_sweep_plots(const std::string& dir);

// `brisk run --out DIR`: results.json (`j`, the --json document), results.csv (its scalar
// figures, one row; the per-layer figures as layer rows), results.md (`text`, the report).
void write_run_results(const std::string& dir, const nlohmann::json& j, const std::string& text);

void write_manifest(const std::string& dir, const Manifest& m);

}  // namespace brisk::experiments
