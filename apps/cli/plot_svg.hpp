#pragma once
// A tiny SVG chart writer for the brisk commands: line/marker series of (x, y) points on
// linear, log2 or log10 axes, several panels side by side sharing one legend. Plain text
// output, no dependency; the figures are meant to be read in a browser or a Markdown page.
#include <string>
#include <utility>
#include <vector>

namespace brisk::plot {

enum class Scale { Linear, Log2, Log10 };

struct Axis {
  std::string label;  // with its unit, e.g. "SNN accuracy (%)"
  Scale scale = Scale::Linear;
};

struct Series {
  std::string name;                               // legend entry; equal names share a colour
  std::vector<std::pair<double, double>> points;  // non-finite points (and <= 0 on a log axis) are skipped
  bool line = true;                               // false: markers only
};

// A dashed horizontal reference line (e.g. the ANN accuracy).
struct HLine {
  std::string name;
  double y = 0;
};

struct Panel {
  std::string title;
  Axis x, y;
  std::vector<Series> series;
  std::vector<HLine> hlines;
};

struct Figure {
  std::string title;
  std::vector<Panel> panels;
  int panel_width = 500;
  int panel_height = 380;
};

// The tick values an axis shows for data spanning [lo, hi]; the first and last tick
// bound the drawn range. Log2: powers of two; log10: powers of ten; linear: 1/2/5 steps.
std::vector<double> axis_ticks(Scale scale, double lo, double hi);

// Tick label text: integers as such, large values with k/M/G suffixes.
std::string tick_label(double value);

// The whole figure as an SVG document (panels in a row, legend below them).
std::string render_svg(const Figure& figure);

}  // namespace brisk::plot
