#pragma once
// A small SVG builder for report.html's charts: scales with nice ticks, axes, and marks
// (points, bars with CI whiskers, histograms, lines). Pure functions returning markup; every
// text and attribute value passes through escape_xml.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace qualm::report {

// & < > " ' as entities; control characters other than tab, LF and CR are dropped.
std::string escape_xml(std::string_view text);

// At most max_chars code points of UTF-8 text, the last one "…" when cut.
std::string truncate_text(std::string_view text, size_t max_chars);

// A pixel coordinate: at most 2 decimals, trailing zeros trimmed, never "-0".
std::string format_coord(double v);

// A value for a label: 3 significant digits ("0.123", "12.3", "1.23e+05"), "-" when not finite.
std::string format_value(double v);

// The 1, 2 or 5 x 10^k step that gives about `target` intervals over `span` (d3's rule:
// thresholds sqrt(50), sqrt(10), sqrt(2) on the normalised raw step).
double nice_step(double span, int target);

// Multiples of nice_step(hi - lo, target) from floor(lo / step) to ceil(hi / step), computed as
// integer * m / 10^k so that 0.1 * 3 prints as 0.3.
std::vector<double> nice_ticks(double lo, double hi, int target);

// A tick label with as many decimals as the step has ("0.2" -> 1, "50" -> 0); steps of 1000
// and more in k, M or G ("25k", "1.2M").
std::string format_tick(double v, double step);

struct Scale {
  double d0 = 0, d1 = 1;  // domain (for a log scale, positive values)
  double r0 = 0, r1 = 1;  // pixel range: r0 is where d0 lands
  bool log = false;
  std::vector<double> ticks;
  double step = 1;  // tick step of a linear scale, for labels

  double operator()(double v) const;  // linear or log10 interpolation, not clamped
  double clamp(double v) const;       // v limited to the domain
  std::string tick_label(double v) const;
};

// A domain widened to the enclosing nice ticks. An empty span widens to [v - 1, v + 1]
// around v = 0, else to [v - |v|/2, v + |v|/2], before ticks are taken.
Scale linear_scale(double lo, double hi, double r0, double r1, int target_ticks = 5);

// A log10 domain widened to the enclosing powers of 10, with a tick at each. lo and hi must
// be positive; lo == hi widens by one decade.
Scale log_scale(double lo, double hi, double r0, double r1);

// Extra attributes of an element: class, fill, data-*, in the order given.
using Attrs = std::vector<std::pair<std::string, std::string>>;

// <tag a="v" ...>inner</tag>, or <tag .../> when inner is empty. Values are escaped; inner is
// markup already.
std::string element(const std::string& tag, const Attrs& attrs, const std::string& inner = "");

// <title> child: the browser's tooltip for a mark.
std::string tooltip(std::string_view text);

std::string svg_open(double width, double height, const std::string& cls, const std::string& label);
std::string svg_close();

std::string line(double x1, double y1, double x2, double y2, const std::string& cls);
std::string text(double x, double y, std::string_view s, const std::string& cls,
                 const std::string& anchor = "start", double rotate = 0);
std::string circle(double cx, double cy, double r, const Attrs& attrs, const std::string& inner = "");
std::string rect(double x, double y, double w, double h, const Attrs& attrs, const std::string& inner = "");
std::string polyline(std::span<const std::pair<double, double>> points, const Attrs& attrs);

// Horizontal grid lines and labels at y's ticks from x_left to x_right, the axis label
// rotated at the left.
std::string y_axis(const Scale& y, double x_left, double x_right, std::string_view label);
// Vertical grid lines and labels at x's ticks from y_top to y_bottom, the label below.
std::string x_axis(const Scale& x, double y_bottom, double y_top, std::string_view label);

// A bar from the value axis' zero (clamped into the domain) to `value`, centred at x, with a
// whisker and caps from ci->first to ci->second when given.
std::string bar_with_whisker(const Scale& y, double x, double width, double value,
                             std::optional<std::pair<double, double>> ci, const Attrs& attrs,
                             const std::string& inner = "");

// Counts of values in n_bins bins of `width` from lo: bin i holds [lo + i w, lo + (i+1) w);
// values below lo go to bin 0, at or above the last edge to the last bin; NaN is skipped.
std::vector<int64_t> histogram_counts(std::span<const double> values, double lo, double width, int n_bins);

// Histogram bars in pixels: one rect per non-empty bin, with data-count and data-lo.
std::string histogram(const Scale& x, const Scale& y, double lo, double width,
                      std::span<const int64_t> counts, const std::string& cls);

// The staircase through points sorted by x: (x0,y0) (x1,y0) (x1,y1) (x2,y1) ...
std::vector<std::pair<double, double>> step_points(std::span<const std::pair<double, double>> points);

// report.html's figures: id "chart-NAME" whether it holds the chart or the note that says why not.
std::string chart_note(const std::string& chart, const std::string& why);
std::string chart_figure(const std::string& chart, const std::string& title, const std::string& svg,
                         const std::string& caption);

}  // namespace qualm::report
