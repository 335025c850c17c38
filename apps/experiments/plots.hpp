#pragma once
// The sweep's plots, drawn by a well-kept plotting tool: tools/brisk_plot.py (matplotlib),
// installed with brisk, run under $BRISK_PYTHON (default: the build's BRISK_PYTHON).
#include <string>

namespace brisk::experiments {

// Runs `python brisk_plot.py PREFIX.json PREFIX`, which writes PREFIX.png and PREFIX.svg.
// Returns an empty string on success, else why the plots were not written (the script's
// last stderr line, or why it could not run). Never throws: the plots are a convenience.
std::string write_plots(const std::string& prefix);

// The interpreter write_plots() uses.
std::string plot_interpreter();

}  // namespace brisk::experiments
