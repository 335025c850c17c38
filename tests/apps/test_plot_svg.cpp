// The SVG chart writer: a well-formed document, one marker per usable point, gaps and
// empty series survive, and the log axes tick where a reader expects.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "plot_svg.hpp"

using namespace brisk::plot;

namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// True when every element opened is closed in order (self-closing ones count as both).
bool tags_balanced(const std::string& svg) {
  std::vector<std::string> open;
  for (auto lt = svg.find('<'); lt != std::string::npos; lt = svg.find('<', lt + 1)) {
    const auto gt = svg.find('>', lt);
    if (gt == std::string::npos) return false;
    const std::string tag = svg.substr(lt + 1, gt - lt - 1);
    if (tag.empty()) return false;
    if (tag.back() == '/') continue;
    if (tag.front() == '/') {
      if (open.empty() || open.back() != tag.substr(1)) return false;
      open.pop_back();
    } else {
      open.push_back(tag.substr(0, tag.find(' ')));
    }
  }
  return open.empty();
}

Figure two_panels() {
  Panel by_t{"accuracy vs T", {"T (steps)", Scale::Log2}, {"accuracy (%)", Scale::Linear}, {}, {}};
  by_t.series.push_back({"rate, none", {{4, 80}, {8, 85}, {16, 89}, {32, 90.5}}, true});
  by_t.series.push_back({"radix", {{24, 91}}, false});
  by_t.hlines.push_back({"ANN <91%> & co", 91.3});
  Panel by_cost{"accuracy vs SOPs", {"SOPs", Scale::Log10}, {"accuracy (%)", Scale::Linear}, {}, {}};
  by_cost.series.push_back({"rate, none", {{2e4, 80}, {4e4, 85}, {8e4, 89}, {1.6e5, 90.5}}, true});
  by_cost.hlines.push_back(by_t.hlines.front());
  return Figure{"sweep", {by_t, by_cost}};
}

}  // namespace

TEST_CASE("a two-panel chart is a well-formed SVG with one marker per point") {
  const std::string svg = render_svg(two_panels());
  CHECK(svg.rfind("<svg", 0) == 0);
  CHECK(svg.find("</svg>") != std::string::npos);
  CHECK(tags_balanced(svg));
  CHECK(count(svg, "class=\"pt\"") == 4 + 1 + 4);
  CHECK(count(svg, "class=\"ref\"") == 2);  // the ANN line in both panels
  CHECK(count(svg, "<path") == 2);          // radix is markers only
  CHECK(svg.find("ANN &lt;91%&gt; &amp; co") != std::string::npos);  // text is escaped
  CHECK(svg.find("<91%>") == std::string::npos);
}

TEST_CASE("NaN points, non-positive values on a log axis and empty series are skipped") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Panel p{"gaps", {"T", Scale::Log2}, {"acc", Scale::Linear}, {}, {}};
  p.series.push_back({"gappy", {{1, 10}, {2, nan}, {0, 30}, {8, 40}, {16, std::numeric_limits<double>::infinity()}}, true});
  p.series.push_back({"empty", {}, true});
  p.hlines.push_back({"bad ref", nan});
  const std::string svg = render_svg(Figure{"t", {p}});
  CHECK(tags_balanced(svg));
  CHECK(count(svg, "class=\"pt\"") == 2);
  CHECK(svg.find("nan") == std::string::npos);
  CHECK(svg.find("inf") == std::string::npos);
  CHECK(count(svg, "class=\"ref\"") == 0);
  CHECK(svg.find(">empty</text>") != std::string::npos);  // still in the legend

  // Nothing usable at all: axes with a default range, no markers.
  Panel none{"none", {"x", Scale::Log10}, {"y", Scale::Linear}, {{"only nan", {{nan, nan}}, true}}, {}};
  const std::string blank = render_svg(Figure{"blank", {none}});
  CHECK(tags_balanced(blank));
  CHECK(count(blank, "class=\"pt\"") == 0);
  CHECK(render_svg(Figure{}).rfind("<svg", 0) == 0);
}

TEST_CASE("log2 axes tick at powers of two, log10 at powers of ten, linear at 1/2/5 steps") {
  CHECK(axis_ticks(Scale::Log2, 1, 32) == std::vector<double>{1, 2, 4, 8, 16, 32});
  CHECK(axis_ticks(Scale::Log2, 4, 32) == std::vector<double>{4, 8, 16, 32});
  CHECK(axis_ticks(Scale::Log2, 3, 24) == std::vector<double>{2, 4, 8, 16, 32});
  CHECK(axis_ticks(Scale::Log2, 8, 8) == std::vector<double>{8, 16});
  CHECK(axis_ticks(Scale::Log10, 50, 2e6) == std::vector<double>{10, 100, 1e3, 1e4, 1e5, 1e6, 1e7});
  // Under two decades: 1-2-5 steps bounding the data tightly.
  CHECK(axis_ticks(Scale::Log10, 2e4, 1.6e5) == std::vector<double>{2e4, 5e4, 1e5, 2e5});
  CHECK(axis_ticks(Scale::Log10, 1e6, 1e6) == std::vector<double>{1e6, 2e6});
  CHECK(axis_ticks(Scale::Linear, 10, 91.3) == std::vector<double>{0, 20, 40, 60, 80, 100});
  CHECK(tick_label(32) == "32");
  CHECK(tick_label(1e5) == "100k");
  CHECK(tick_label(2e6) == "2M");
  CHECK(tick_label(2.5) == "2.5");

  // The tick labels of a log2 axis are drawn as text.
  const std::string svg = render_svg(two_panels());
  for (const char* t : {">4</text>", ">8</text>", ">16</text>", ">32</text>", ">100k</text>"})
    CHECK(svg.find(t) != std::string::npos);
}

TEST_CASE("past the palette, series repeat colours with another marker shape and a dashed line") {
  Panel p{"many", {"x", Scale::Linear}, {"y", Scale::Linear}, {}, {}};
  for (int i = 0; i < 9; ++i) {
    std::string name(1, 's');  // not "s" + ...: g++ 12 -O3 -Wrestrict false positive
    name += std::to_string(i);
    p.series.push_back({name, {{0, i}, {1, i + 1}}, true});
  }
  const std::string svg = render_svg(Figure{"many", {p}});
  CHECK(tags_balanced(svg));
  CHECK(count(svg, "class=\"pt\"") == 18);
  CHECK(count(svg, "<rect class=\"pt\"") == 4);  // series 7 and 8: squares
  CHECK(count(svg, "stroke-dasharray=\"8 3\"") == 2 + 2);  // their lines, in the plot and the legend
}
