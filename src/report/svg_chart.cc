#include "report/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/utf8.h"

namespace qualm::report {

std::string escape_xml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') break;
        out += c;
    }
  }
  return out;
}

std::string truncate_text(std::string_view text, size_t max_chars) {
  if (utf8_length(text) <= max_chars) return std::string(text);
  return max_chars == 0 ? "" : utf8_truncate(text, max_chars - 1);  // the ellipsis is the last character
}

std::string format_coord(double v) {
  if (!std::isfinite(v)) return "0";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s = buf;
  s.erase(s.find_last_not_of('0') + 1);
  if (s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

std::string format_value(double v) {
  if (!std::isfinite(v)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

double nice_step(double span, int target) {
  if (!(span > 0) || !std::isfinite(span)) return 1;
  const double raw = span / std::max(target, 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / mag;
  const double m = norm >= std::sqrt(50.0) ? 10 : norm >= std::sqrt(10.0) ? 5 : norm >= std::sqrt(2.0) ? 2 : 1;
  return m * mag;
}

namespace {

// step = m * 10^k with m in {1, 2, 5, 10}: i * step without binary drift.
double tick_at(int64_t i, double step) {
  const int k = static_cast<int>(std::floor(std::log10(step) + 1e-9));
  const double m = std::round(step / std::pow(10.0, k));
  return k < 0 ? (static_cast<double>(i) * m) / std::pow(10.0, -k) : static_cast<double>(i) * m * std::pow(10.0, k);
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
  const double step = nice_step(hi - lo, target);
  const auto first = static_cast<int64_t>(std::floor(lo / step + 1e-9));
  const auto last = static_cast<int64_t>(std::ceil(hi / step - 1e-9));
  std::vector<double> ticks;
  for (int64_t i = first; i <= last && ticks.size() < 1000; ++i) ticks.push_back(tick_at(i, step));
  return ticks;
}

std::string format_tick(double v, double step) {
  if (step >= 1000) {  // 1.2M, 25k: short enough for a narrow axis
    const double unit = step * 10 >= 1e9 ? 1e9 : step * 10 >= 1e6 ? 1e6 : 1e3;
    return format_tick(v / unit, step / unit) + (unit == 1e9 ? "G" : unit == 1e6 ? "M" : "k");
  }
  const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", std::min(decimals, 12), v);
  std::string s = buf;
  if (s.find_first_not_of("-0.") == std::string::npos) s = "0";  // "-0.0" -> "0"
  return s;
}

double Scale::operator()(double v) const {
  const double a = log ? std::log10(d0) : d0;
  const double b = log ? std::log10(d1) : d1;
  const double t = ((log ? std::log10(v) : v) - a) / (b - a);
  return r0 + t * (r1 - r0);
}

double Scale::clamp(double v) const { return std::clamp(v, std::min(d0, d1), std::max(d0, d1)); }

std::string Scale::tick_label(double v) const {
  if (!log) return format_tick(v, step);
  const int e = static_cast<int>(std::lround(std::log10(v)));
  if (e >= -3 && e <= 4) return format_tick(v, std::min(v, 1.0));
  return "1e" + std::to_string(e);
}

Scale linear_scale(double lo, double hi, double r0, double r1, int target_ticks) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (lo > hi) std::swap(lo, hi);
  if (lo == hi) {
    const double pad = lo == 0 ? 1 : std::abs(lo) / 2;
    lo -= pad;
    hi += pad;
  }
  Scale s;
  s.step = nice_step(hi - lo, target_ticks);
  s.ticks = nice_ticks(lo, hi, target_ticks);
  s.d0 = s.ticks.front();
  s.d1 = s.ticks.back();
  s.r0 = r0;
  s.r1 = r1;
  return s;
}

Scale log_scale(double lo, double hi, double r0, double r1) {
  if (lo > hi) std::swap(lo, hi);
  int e0 = static_cast<int>(std::floor(std::log10(lo) + 1e-9));
  int e1 = static_cast<int>(std::ceil(std::log10(hi) - 1e-9));
  if (e0 == e1) ++e1;
  Scale s;
  s.log = true;
  for (int e = e0; e <= e1; ++e) s.ticks.push_back(std::pow(10.0, e));
  s.d0 = s.ticks.front();
  s.d1 = s.ticks.back();
  s.r0 = r0;
  s.r1 = r1;
  return s;
}

std::string element(const std::string& tag, const Attrs& attrs, const std::string& inner) {
  std::string out = "<" + tag;
  for (const auto& [name, value] : attrs) out += " " + name + "=\"" + escape_xml(value) + "\"";
  if (inner.empty()) return out + "/>";
  return out + ">" + inner + "</" + tag + ">";
}

std::string tooltip(std::string_view text) { return "<title>" + escape_xml(text) + "</title>"; }

std::string svg_open(double width, double height, const std::string& cls, const std::string& label) {
  const std::string w = format_coord(width), h = format_coord(height);
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"" + escape_xml(cls) + "\" width=\"" + w +
         "\" height=\"" + h + "\" viewBox=\"0 0 " + w + " " + h + "\" role=\"img\" aria-label=\"" +
         escape_xml(label) + "\">";
}

std::string svg_close() { return "</svg>\n"; }

std::string line(double x1, double y1, double x2, double y2, const std::string& cls) {
  return element("line", {{"class", cls}, {"x1", format_coord(x1)}, {"y1", format_coord(y1)},
                          {"x2", format_coord(x2)}, {"y2", format_coord(y2)}});
}

std::string text(double x, double y, std::string_view s, const std::string& cls, const std::string& anchor,
                 double rotate) {
  Attrs a = {{"class", cls}, {"x", format_coord(x)}, {"y", format_coord(y)}};
  if (anchor != "start") a.emplace_back("text-anchor", anchor);
  if (rotate != 0) {
    a.emplace_back("transform", "rotate(" + format_coord(rotate) + " " + format_coord(x) + " " + format_coord(y) + ")");
  }
  std::string out = "<text";
  for (const auto& [name, value] : a) out += " " + name + "=\"" + escape_xml(value) + "\"";
  return out + ">" + escape_xml(s) + "</text>";
}

std::string circle(double cx, double cy, double r, const Attrs& attrs, const std::string& inner) {
  Attrs a = {{"cx", format_coord(cx)}, {"cy", format_coord(cy)}, {"r", format_coord(r)}};
  a.insert(a.end(), attrs.begin(), attrs.end());
  return element("circle", a, inner);
}

std::string rect(double x, double y, double w, double h, const Attrs& attrs, const std::string& inner) {
  if (w < 0) x += w, w = -w;
  if (h < 0) y += h, h = -h;
  Attrs a = {{"x", format_coord(x)}, {"y", format_coord(y)}, {"width", format_coord(w)}, {"height", format_coord(h)}};
  a.insert(a.end(), attrs.begin(), attrs.end());
  return element("rect", a, inner);
}

std::string polyline(std::span<const std::pair<double, double>> points, const Attrs& attrs) {
  std::string pts;
  for (const auto& [x, y] : points) {
    if (!pts.empty()) pts += ' ';
    pts.append(format_coord(x)).append(",").append(format_coord(y));
  }
  Attrs a = {{"points", pts}, {"fill", "none"}};
  a.insert(a.end(), attrs.begin(), attrs.end());
  return element("polyline", a);
}

std::string y_axis(const Scale& y, double x_left, double x_right, std::string_view label) {
  std::string out;
  for (const double t : y.ticks) {
    const double py = y(t);
    out += line(x_left, py, x_right, py, "grid");
    out += text(x_left - 4, py + 3.5, y.tick_label(t), "tick", "end");
  }
  out += line(x_left, y.r0, x_left, y.r1, "axis");
  if (!label.empty()) {
    const double mid = (y.r0 + y.r1) / 2;
    out += text(x_left - 40, mid, label, "axis-label", "middle", -90);
  }
  return out;
}

std::string x_axis(const Scale& x, double y_bottom, double y_top, std::string_view label) {
  std::string out;
  for (const double t : x.ticks) {
    const double px = x(t);
    out += line(px, y_top, px, y_bottom, "grid");
    out += text(px, y_bottom + 14, x.tick_label(t), "tick", "middle");
  }
  out += line(x.r0, y_bottom, x.r1, y_bottom, "axis");
  if (!label.empty()) out += text((x.r0 + x.r1) / 2, y_bottom + 32, label, "axis-label", "middle");
  return out;
}

std::string bar_with_whisker(const Scale& y, double x, double width, double value,
                             std::optional<std::pair<double, double>> ci, const Attrs& attrs,
                             const std::string& inner) {
  const double base = y(y.clamp(0));
  const double top = y(y.clamp(value));
  std::string out = rect(x - width / 2, std::min(base, top), width, std::abs(base - top), attrs, inner);
  if (ci) {
    const double lo = y(y.clamp(ci->first)), hi = y(y.clamp(ci->second));
    const double cap = std::max(width / 4, 2.0);
    out += line(x, lo, x, hi, "whisker");
    out += line(x - cap, lo, x + cap, lo, "whisker");
    out += line(x - cap, hi, x + cap, hi, "whisker");
  }
  return out;
}

std::vector<int64_t> histogram_counts(std::span<const double> values, double lo, double width, int n_bins) {
  std::vector<int64_t> counts(static_cast<size_t>(std::max(n_bins, 0)), 0);
  if (counts.empty() || !(width > 0)) return counts;
  for (const double v : values) {
    if (std::isnan(v)) continue;
    const double at = std::floor((v - lo) / width);
    const auto bin = static_cast<int64_t>(std::clamp(at, 0.0, static_cast<double>(n_bins - 1)));
    ++counts[static_cast<size_t>(bin)];
  }
  return counts;
}

std::string histogram(const Scale& x, const Scale& y, double lo, double width,
                      std::span<const int64_t> counts, const std::string& cls) {
  std::string out;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] == 0) continue;
    const double left = lo + static_cast<double>(i) * width;
    const double x0 = x(left), x1 = x(left + width);
    const double y0 = y(0), y1 = y(static_cast<double>(counts[i]));
    out += rect(x0 + 0.5, y1, std::max(x1 - x0 - 1, 0.5), y0 - y1,
                {{"class", cls}, {"data-count", std::to_string(counts[i])}, {"data-lo", format_value(left)}},
                tooltip(format_value(left) + " to " + format_value(left + width) + ": " + std::to_string(counts[i])));
  }
  return out;
}

std::vector<std::pair<double, double>> step_points(std::span<const std::pair<double, double>> points) {
  std::vector<std::pair<double, double>> out;
  for (size_t i = 0; i < points.size(); ++i) {
    if (i > 0) out.emplace_back(points[i].first, points[i - 1].second);
    out.push_back(points[i]);
  }
  return out;
}

std::string chart_note(const std::string& chart, const std::string& why) {
  return "<p id=\"chart-" + chart + "\" class=\"chart-note\" data-chart=\"" + chart + "\">" + escape_xml(why) +
         "</p>\n";
}

std::string chart_figure(const std::string& chart, const std::string& title, const std::string& svg,
                         const std::string& caption) {
  return "<figure id=\"chart-" + chart + "\">\n<h3>" + escape_xml(title) + "</h3>\n" + svg + "<figcaption>" +
         escape_xml(caption) + "</figcaption>\n</figure>\n";
}

}  // namespace qualm::report
