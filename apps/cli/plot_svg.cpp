#include "plot_svg.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace brisk::plot {

namespace {

// Colour-blind-friendly categorical palette (Okabe-Ito; its yellow is too faint on white).
// Past seven series the colours repeat with another marker shape and dash pattern.
constexpr const char* kPalette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"};
constexpr int kPaletteSize = sizeof(kPalette) / sizeof(kPalette[0]);
constexpr const char* kDashes[] = {"", " stroke-dasharray=\"8 3\"", " stroke-dasharray=\"2 3\""};
constexpr int kShapes = sizeof(kDashes) / sizeof(kDashes[0]);

// Panel margins (pixels): room for tick labels and axis titles.
constexpr double kLeft = 70, kRight = 20, kTop = 34, kBottom = 56;
constexpr double kTitleHeight = 36;
constexpr double kLegendRow = 22;
constexpr double kCharWidth = 7;  // a generous average glyph width at font-size 12

// Legend column width: the longest entry fits, so entries never overlap.
double legend_column(const std::vector<std::string>& names, const std::vector<std::string>& refs) {
  std::size_t longest = 10;
  for (const auto* list : {&names, &refs})
    for (const auto& n : *list) longest = std::max(longest, n.size());
  return 32 + kCharWidth * static_cast<double>(longest) + 24;
}

int legend_columns(double width, const std::vector<std::string>& names, const std::vector<std::string>& refs) {
  return std::max(1, static_cast<int>((width - 20) / legend_column(names, refs)));
}

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

bool usable(Scale scale, double v) { return std::isfinite(v) && (scale == Scale::Linear || v > 0); }

// The axis coordinate of a value: log axes map through their logarithm.
double warp(Scale scale, double v) {
  switch (scale) {
    case Scale::Log2: return std::log2(v);
    case Scale::Log10: return std::log10(v);
    case Scale::Linear: break;
  }
  return v;
}

std::vector<double> log_ticks(double base, double lo, double hi) {
  const double lg = std::log(base);
  int a = static_cast<int>(std::floor(std::log(lo) / lg + 1e-9));
  int b = static_cast<int>(std::ceil(std::log(hi) / lg - 1e-9));
  if (b <= a) b = a + 1;  // one value: still show a span
  const int step = std::max(1, (b - a + 7) / 8);  // at most ~8 ticks
  std::vector<double> t;
  for (int e = a; e <= b; e += step) t.push_back(std::pow(base, e));
  if (std::log(t.back()) / lg < b - 1e-9) t.push_back(std::pow(base, b));
  return t;
}

// Log10 over less than two decades: 1-2-5 steps, so the data fill the panel instead of
// sitting inside one or two bare decades.
std::vector<double> log10_ticks(double lo, double hi) {
  const auto decades = log_ticks(10, lo, hi);
  if (decades.size() > 3) return decades;
  std::vector<double> steps;
  for (double decade = decades.front() / 10; decade <= decades.back(); decade *= 10)
    for (double m : {1.0, 2.0, 5.0}) steps.push_back(m * decade);
  // The tightest 1-2-5 values bounding the data, and everything in between.
  const auto first = std::upper_bound(steps.begin(), steps.end(), lo * (1 + 1e-9)) - 1;
  const auto last = std::lower_bound(steps.begin(), steps.end(), hi * (1 - 1e-9));
  std::vector<double> t(first, std::max(last, first + 1) + 1);
  return t;
}

std::vector<double> linear_ticks(double lo, double hi) {
  if (hi <= lo) {  // one value: a unit span around it
    lo -= 0.5;
    hi += 0.5;
  }
  const double rough = (hi - lo) / 5;
  const double mag = std::pow(10.0, std::floor(std::log10(rough)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= rough) {
      step = m * mag;
      break;
    }
  const double first = std::floor(lo / step + 1e-9) * step;
  const double last = std::ceil(hi / step - 1e-9) * step;
  std::vector<double> t;
  for (double v = first; v <= last + step * 1e-6; v += step) t.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
  return t;
}

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
};

// Maps data values of one panel to pixels.
struct Frame {
  double x0, y0, w, h;  // plot area
  Scale sx, sy;
  double xlo, xhi, ylo, yhi;  // warped bounds
  double px(double x) const { return x0 + (warp(sx, x) - xlo) / (xhi - xlo) * w; }
  double py(double y) const { return y0 + h - (warp(sy, y) - ylo) / (yhi - ylo) * h; }
};

std::vector<double> ticks_for(Scale scale, Range r) {
  if (r.empty()) return scale == Scale::Linear ? std::vector<double>{0, 1} : std::vector<double>{1, 10};
  return axis_ticks(scale, r.lo, r.hi);
}

// How a series is drawn, from the index of its name's first appearance over all panels.
struct Style {
  const char* colour;
  int shape;  // 0 circle, 1 square, 2 diamond; also picks the dash pattern
};

Style style_of(const std::vector<std::string>& names, const std::string& name) {
  const auto i = static_cast<int>(std::find(names.begin(), names.end(), name) - names.begin());
  return {kPalette[i % kPaletteSize], (i / kPaletteSize) % kShapes};
}

// One marker centred at (x, y); `extra` carries attributes such as the class.
std::string marker(double x, double y, const Style& st, const char* extra) {
  switch (st.shape) {
    case 1:
      return fmt::format("<rect{} x=\"{:.1f}\" y=\"{:.1f}\" width=\"8\" height=\"8\" fill=\"{}\" stroke=\"white\"/>\n", extra,
                         x - 4, y - 4, st.colour);
    case 2:
      return fmt::format(
          "<polygon{} points=\"{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}\" fill=\"{}\" stroke=\"white\"/>\n",
          extra, x, y - 5, x + 5, y, x, y + 5, x - 5, y, st.colour);
    default:
      return fmt::format("<circle{} cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4\" fill=\"{}\" stroke=\"white\"/>\n", extra, x, y,
                         st.colour);
  }
}

void draw_axes(std::string& svg, const Panel& p, const Frame& f, const std::vector<double>& xt,
               const std::vector<double>& yt) {
  svg += "<g class=\"axes\" font-size=\"12\" fill=\"#333\">\n";
  for (double v : yt) {
    const double y = f.py(v);
    svg += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#e3e3e3\"/>\n", f.x0, y,
                       f.x0 + f.w, y);
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", f.x0 - 6, y + 4,
                       tick_label(v));
  }
  for (double v : xt) {
    const double x = f.px(v);
    svg += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#e3e3e3\"/>\n", x, f.y0, x,
                       f.y0 + f.h);
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", x, f.y0 + f.h + 17,
                       tick_label(v));
  }
  svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"none\" stroke=\"#888\"/>\n",
                     f.x0, f.y0, f.w, f.h);
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-size=\"13\">{}</text>\n",
                     f.x0 + f.w / 2, f.y0 + f.h + 40, escape(p.x.label));
  svg += fmt::format(
      "<text x=\"{0:.1f}\" y=\"{1:.1f}\" text-anchor=\"middle\" font-size=\"13\" transform=\"rotate(-90 {0:.1f} "
      "{1:.1f})\">{2}</text>\n",
      f.x0 - 50, f.y0 + f.h / 2, escape(p.y.label));
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">{}</text>\n",
                     f.x0 + f.w / 2, f.y0 - 12, escape(p.title));
  svg += "</g>\n";
}

void draw_series(std::string& svg, const Panel& p, const Frame& f, const std::vector<std::string>& names) {
  for (const auto& h : p.hlines) {
    if (!usable(p.y.scale, h.y)) continue;
    svg += fmt::format(
        "<line class=\"ref\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#555\" "
        "stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n",
        f.x0, f.py(h.y), f.x0 + f.w, f.py(h.y));
  }
  for (const auto& s : p.series) {
    const Style st = style_of(names, s.name);
    std::string path;
    bool pen_down = false;
    for (const auto& [x, y] : s.points) {
      if (!usable(p.x.scale, x) || !usable(p.y.scale, y)) {
        pen_down = false;  // a gap breaks the line
        continue;
      }
      path += fmt::format("{}{:.1f},{:.1f} ", pen_down ? "L" : "M", f.px(x), f.py(y));
      pen_down = true;
    }
    if (s.line && !path.empty())
      svg += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{}/>\n", path, st.colour,
                         kDashes[st.shape]);
    for (const auto& [x, y] : s.points)
      if (usable(p.x.scale, x) && usable(p.y.scale, y))
        svg += marker(f.px(x), f.py(y), st, " class=\"pt\"");
  }
}

void draw_panel(std::string& svg, const Panel& p, double left, double top, double width, double height,
                const std::vector<std::string>& names) {
  Range xr, yr;
  for (const auto& s : p.series)
    for (const auto& [x, y] : s.points)
      if (usable(p.x.scale, x) && usable(p.y.scale, y)) {
        xr.add(x);
        yr.add(y);
      }
  for (const auto& h : p.hlines)
    if (usable(p.y.scale, h.y)) yr.add(h.y);
  const auto xt = ticks_for(p.x.scale, xr);
  const auto yt = ticks_for(p.y.scale, yr);
  const Frame f{left + kLeft, top + kTop, width - kLeft - kRight, height - kTop - kBottom,
                p.x.scale, p.y.scale, warp(p.x.scale, xt.front()), warp(p.x.scale, xt.back()),
                warp(p.y.scale, yt.front()), warp(p.y.scale, yt.back())};
  draw_axes(svg, p, f, xt, yt);
  draw_series(svg, p, f, names);
}

// The legend entries in order: every series name once, then the reference lines.
void draw_legend(std::string& svg, double top, double width, const std::vector<std::string>& names,
                 const std::vector<bool>& lined, const std::vector<std::string>& refs) {
  const double column = legend_column(names, refs);
  const int columns = legend_columns(width, names, refs);
  svg += "<g class=\"legend\" font-size=\"12\" fill=\"#333\">\n";
  int i = 0;
  auto origin = [&](int k) {
    return std::pair<double, double>{20 + (k % columns) * column, top + (k / columns) * kLegendRow};
  };
  for (std::size_t k = 0; k < names.size(); ++k) {
    const auto [x, y] = origin(i++);
    const std::string& n = names[k];
    const Style st = style_of(names, n);
    if (lined[k])
      svg += fmt::format(
          "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" stroke-width=\"2\"{}/>\n", x, y,
          x + 24, y, st.colour, kDashes[st.shape]);
    svg += marker(x + 12, y, st, "");
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n", x + 32, y + 4, escape(n));
  }
  for (const auto& n : refs) {
    const auto [x, y] = origin(i++);
    svg += fmt::format(
        "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#555\" stroke-width=\"1.5\" "
        "stroke-dasharray=\"6 4\"/>\n",
        x, y, x + 24, y);
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n", x + 32, y + 4, escape(n));
  }
  svg += "</g>\n";
}

}  // namespace

std::vector<double> axis_ticks(Scale scale, double lo, double hi) {
  switch (scale) {
    case Scale::Log2: return log_ticks(2, lo, hi);
    case Scale::Log10: return log10_ticks(lo, hi);
    case Scale::Linear: break;
  }
  return linear_ticks(lo, hi);
}

std::string tick_label(double v) {
  const double a = std::abs(v);
  if (a >= 1e9) return fmt::format("{:g}G", v / 1e9);
  if (a >= 1e6) return fmt::format("{:g}M", v / 1e6);
  if (a >= 1e4) return fmt::format("{:g}k", v / 1e3);
  return fmt::format("{:g}", v);
}

std::string render_svg(const Figure& fig) {
  std::vector<std::string> names, refs;
  std::vector<bool> lined;  // per name: drawn with a line (else markers only)
  for (const auto& p : fig.panels) {
    for (const auto& s : p.series)
      if (std::find(names.begin(), names.end(), s.name) == names.end()) {
        names.push_back(s.name);
        lined.push_back(s.line);
      }
    for (const auto& h : p.hlines)
      if (std::find(refs.begin(), refs.end(), h.name) == refs.end()) refs.push_back(h.name);
  }
  const double width = static_cast<double>(std::max<std::size_t>(1, fig.panels.size()) * fig.panel_width);
  const int columns = legend_columns(width, names, refs);
  const auto entries = static_cast<int>(names.size() + refs.size());
  const double legend_top = kTitleHeight + fig.panel_height + 8;
  const double height = legend_top + ((entries + columns - 1) / columns) * kLegendRow + 8;

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0:.0f}\" height=\"{1:.0f}\" viewBox=\"0 0 {0:.0f} {1:.0f}\" "
      "font-family=\"Helvetica, Arial, sans-serif\">\n",
      width, height);
  svg += fmt::format("<rect width=\"{:.0f}\" height=\"{:.0f}\" fill=\"white\"/>\n", width, height);
  svg += fmt::format("<text x=\"{:.1f}\" y=\"24\" text-anchor=\"middle\" font-size=\"16\" fill=\"#111\">{}</text>\n",
                     width / 2, escape(fig.title));
  for (std::size_t i = 0; i < fig.panels.size(); ++i)
    draw_panel(svg, fig.panels[i], static_cast<double>(i * fig.panel_width), kTitleHeight, fig.panel_width,
               fig.panel_height, names);
  draw_legend(svg, legend_top + 10, width, names, lined, refs);
  svg += "</svg>\n";
  return svg;
}

}  // namespace brisk::plot
