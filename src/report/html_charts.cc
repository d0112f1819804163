#include "report/html_charts.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "analysis/kld_summary.h"
#include "records/config_key.h"
#include "report/svg_chart.h"

namespace qualm::report {

using nlohmann::json;

namespace summary_json {

std::string str(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || j[key].is_null()) return "";
  return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

std::optional<double> num(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return std::nullopt;
  const double v = j[key].get<double>();
  return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

std::string raw(const json& j, const char* key) { return j.is_object() && j.contains(key) ? j[key].dump() : "null"; }

std::vector<const json*> objects(const json& j) {
  std::vector<const json*> out;
  if (j.is_array()) {
    for (const json& e : j) {
      if (e.is_object()) out.push_back(&e);
    }
  }
  return out;
}

std::string label_of(const json& row) { return config_of(row).str(); }

}  // namespace summary_json

using namespace summary_json;

namespace {

Attrs row_data(const json& row) {
  return {
      {"data-model", str(row, "model")}, {"data-variant", str(row, "variant")}, {"data-backend", str(row, "backend")}};
}

std::string percent(double fraction) { return format_value(100 * fraction) + " %"; }

// A typed figure where it is finite, as summary_json::num reads one.
std::optional<double> finite(const std::optional<double>& x) { return x && std::isfinite(*x) ? x : std::nullopt; }

// A typed figure's JSON text, as data-* attributes carry it ("0.25", "null").
std::string json_text(const std::optional<double>& x) { return x ? json(*x).dump() : "null"; }

// Swatches and names in rows that wrap at `width`; returns the markup and its height.
std::pair<std::string, double> legend(double x0, double y0, double width, const std::vector<std::string>& labels,
                                      Colors& colors) {
  std::string out;
  double x = x0, y = y0;
  for (const std::string& l : labels) {
    const double w = 24 + 6.4 * static_cast<double>(l.size());
    if (x > x0 && x + w > x0 + width) x = x0, y += 18;
    out += rect(x, y - 9, 12, 12, {{"fill", colors.of(l)}});
    out += text(x + 16, y + 1, l, "legend-text");
    x += w + 12;
  }
  return {out, y - y0 + 18};
}

}  // namespace

// ---- 1. Quality against cost, the frontier joined by a step line.

std::string pareto_chart(const analysis::ParetoFrontier& p, Colors& colors) {
  struct Point {
    const analysis::ParetoPoint* row;
    double cost, quality;
  };
  std::vector<Point> points;
  for (const analysis::ParetoPoint& r : p.points) {
    const auto cost = finite(r.usd_per_million_tokens), quality = finite(r.quality);
    if (cost && quality) points.push_back({&r, *cost, *quality});
  }
  if (points.empty()) {
    // With a cost table the analysis lists a frontier (maybe empty); without one its note says so.
    if (p.frontier) return chart_note("pareto", "No configuration has both a cost and a composite quality score.");
    return chart_note("pareto", !p.note.empty()
                                    ? p.note
                                    : "No cost table: add cost: costs.csv (model, variant, backend, "
                                      "usd_per_million_tokens) to the experiment to see the quality-cost frontier.");
  }

  const double W = 1000, H = 460, L = 80, R = 40, T = 20, B = 56;
  double c0 = points[0].cost, c1 = c0, q0 = points[0].quality, q1 = q0;
  for (const Point& pt : points) {
    c0 = std::min(c0, pt.cost), c1 = std::max(c1, pt.cost);
    q0 = std::min({q0, pt.quality, finite(pt.row->quality_ci_low).value_or(pt.quality)});
    q1 = std::max({q1, pt.quality, finite(pt.row->quality_ci_high).value_or(pt.quality)});
  }
  const bool log_x = c0 > 0 && c1 / c0 >= 100;
  const Scale x = log_x ? log_scale(c0, c1, L, W - R) : linear_scale(std::min(0.0, c0), c1, L, W - R, 8);
  const Scale y = linear_scale(q0, q1, H - B, T, 6);
  std::string svg = svg_open(W, H, "chart pareto", "quality against cost per million tokens");
  svg += y_axis(y, L, W - R, "quality" + (p.quality_metric.empty() ? "" : " (" + p.quality_metric + ")"));
  svg += x_axis(x, H - B, T, log_x ? "USD per million tokens (log scale)" : "USD per million tokens");

  std::vector<Point> frontier;
  for (const Point& pt : points) {
    if (pt.row->on_frontier) frontier.push_back(pt);
  }
  std::sort(frontier.begin(), frontier.end(),
            [](const Point& a, const Point& b) { return std::pair(a.cost, a.quality) < std::pair(b.cost, b.quality); });
  std::vector<std::pair<double, double>> pixels;
  for (const Point& pt : frontier) pixels.emplace_back(x(pt.cost), y(pt.quality));
  const auto steps = step_points(pixels);
  if (steps.size() > 1) svg += polyline(steps, {{"class", "frontier-line"}});

  for (const Point& pt : points) {
    const analysis::ParetoPoint& r = *pt.row;
    const bool on = r.on_frontier;
    const std::string label = r.config.str();
    std::string dominated;
    for (const std::string& d : r.dominated_by) {
      if (!dominated.empty()) dominated += ' ';
      dominated += d;
    }
    Attrs a = {{"class", on ? "mark pareto-point frontier" : "mark pareto-point"}, {"fill", colors.of(label)}};
    for (auto& kv : row_data(config_json(r.config))) a.push_back(kv);
    a.insert(a.end(), {{"data-quality", json_text(r.quality)},
                       {"data-cost", json_text(r.usd_per_million_tokens)},
                       {"data-frontier", on ? "true" : "false"},
                       {"data-dominated-by", dominated}});
    const std::string tip = label + "\nquality " + format_value(pt.quality) + ", $" + format_value(pt.cost) +
                            " per million tokens, quality-adjusted cost " + json_text(r.quality_adjusted_cost) +
                            (on ? "\non the frontier" : "\ndominated by " + dominated);
    const double px = x(pt.cost), py = y(pt.quality);
    const auto ci_low = finite(r.quality_ci_low), ci_high = finite(r.quality_ci_high);
    if (ci_low && ci_high) svg += line(px, y(*ci_low), px, y(*ci_high), "whisker");
    svg += circle(px, py, on ? 6 : 4.5, a, tooltip(tip));
    const bool left = px + 8 + 6.2 * static_cast<double>(label.size()) > W;
    svg += text(left ? px - 8 : px + 8, py - 7, label, "point-label", left ? "end" : "start");
  }
  svg += svg_close();
  std::string caption =
      "Ringed points are on the frontier: no other configuration is at least as good in quality "
      "and cost and better in one; whiskers are quality CIs. " +
      p.note;
  if (points.size() < p.points.size()) {
    caption +=
        " " + std::to_string(p.points.size() - points.size()) + " point(s) without a quality or cost are not drawn.";
  }
  return chart_figure("pareto", "Quality-cost Pareto frontier", svg, caption);
}

namespace {

// ---- 2. Per-task means with 95 % CI whiskers, one panel per (task, metric).

struct Panel {
  std::string title, group;
  std::vector<std::string> categories, series;  // tasks on x; model/variant/backend labels
  std::vector<const AggregateRow*> rows;
};

}  // namespace

std::string draw_panel(const Panel& p, double x0, double y0, double w, double h, bool wide, Colors& colors) {
  const double L = x0 + 46, R = x0 + w - 8, T = y0 + 24, B = y0 + h - (wide ? 100 : 14);
  double lo = 0, hi = 0;
  for (const AggregateRow* r : p.rows) {
    for (const double v : {r->mean, r->ci_low, r->ci_high}) {
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    }
  }
  const Scale y = linear_scale(lo, hi, B, T, 4);
  const auto fits = static_cast<size_t>(w / 6.8);
  const std::string title = truncate_text(p.title, fits);
  std::string svg = "<g>" + tooltip(p.title) + text(x0 + w / 2, y0 + 14, title, "panel-title", "middle") + "</g>";
  svg += y_axis(y, L, R, "");
  if (y.d0 < 0) svg += line(L, y(0), R, y(0), "axis");
  const double slot = (R - L) / static_cast<double>(p.categories.size());
  const double bw = std::min(28.0, slot * 0.8 / static_cast<double>(p.series.size()));
  const double group = bw * static_cast<double>(p.series.size());
  for (const AggregateRow* r : p.rows) {
    const std::string label = r->config.str(), n = std::to_string(r->n);
    const auto c = std::find(p.categories.begin(), p.categories.end(), r->task_name) - p.categories.begin();
    const auto s = std::find(p.series.begin(), p.series.end(), label) - p.series.begin();
    const double cx = L + slot * (static_cast<double>(c) + 0.5) - group / 2 + bw * (static_cast<double>(s) + 0.5);
    using analysis::finite_or_unset;
    const auto mean = finite_or_unset(r->mean), ci_low = finite_or_unset(r->ci_low),
               ci_high = finite_or_unset(r->ci_high);
    std::optional<std::pair<double, double>> ci;
    if (ci_low && ci_high) ci = std::pair(*ci_low, *ci_high);
    Attrs a = {{"class", "mark task-bar"}, {"fill", colors.of(label)}};
    for (auto& kv : row_data(config_json(r->config))) a.push_back(kv);
    a.insert(a.end(), {{"data-task", r->task_name},
                       {"data-metric", r->metric},
                       {"data-n", n},
                       {"data-mean", mean ? json(*mean).dump() : json().dump()}});
    const std::string tip = label + "\n" + r->task_name + " " + r->metric + ": " + format_value(mean.value_or(NAN)) +
                            (ci ? " [" + format_value(ci->first) + ", " + format_value(ci->second) + "]" : "") +
                            ", n = " + n;
    svg += bar_with_whisker(y, cx, bw * 0.9, mean.value_or(0), ci, a, tooltip(tip));
  }
  if (wide) {
    for (size_t c = 0; c < p.categories.size(); ++c) {
      std::string name = p.categories[c];
      if (name.starts_with(p.group + "_")) name = name.substr(p.group.size() + 1);
      svg += text(L + slot * (static_cast<double>(c) + 0.5) + 3, B + 8, truncate_text(name, 18), "tick", "end", -60);
    }
  }
  return svg;
}

std::string task_chart(const analysis::Summary& summary, Colors& colors) {
  const std::vector<AggregateRow>& rows = summary.tasks;
  if (rows.empty()) return chart_note("task-bars", "No per-task rows: no record finished without an error.");
  std::map<std::string, std::string> group_of;  // mmlu_<subject> -> mmlu
  for (const analysis::BenchmarkRow& b : summary.benchmarks) {
    if (b.group && !b.group->empty()) group_of[b.task] = *b.group;
  }
  std::vector<Panel> panels;
  std::map<std::string, size_t> index;
  std::vector<std::string> labels;
  for (const AggregateRow& row : rows) {
    const AggregateRow* r = &row;
    const std::string &task = r->task_name, &metric = r->metric, label = r->config.str();
    const std::string group = group_of.count(task) ? group_of[task] : "";
    const auto [it, added] = index.emplace((group.empty() ? task : group) + "\x1f" + metric, panels.size());
    if (added) panels.push_back({(group.empty() ? task : group + " subjects") + " · " + metric, group, {}, {}, {}});
    Panel& p = panels[it->second];
    if (std::find(p.categories.begin(), p.categories.end(), task) == p.categories.end()) p.categories.push_back(task);
    if (std::find(p.series.begin(), p.series.end(), label) == p.series.end()) p.series.push_back(label);
    if (std::find(labels.begin(), labels.end(), label) == labels.end()) labels.push_back(label);
    p.rows.push_back(r);
  }
  const double W = 1000, cols = 4, small_w = W / cols, small_h = 150, wide_h = 270;
  auto [svg, top] = legend(10, 16, W - 20, labels, colors);
  top += 8;
  double col = 0;
  for (const Panel& p : panels) {
    if (!p.group.empty()) continue;
    svg += draw_panel(p, col * small_w, top, small_w, small_h, false, colors);
    if (++col == cols) col = 0, top += small_h;
  }
  if (col > 0) top += small_h;
  for (const Panel& p : panels) {
    if (p.group.empty()) continue;
    svg += draw_panel(p, 0, top, W, wide_h, true, colors);
    top += wide_h;
  }
  svg = svg_open(W, top + 8, "chart task-bars", "per-task means with 95% confidence intervals") + svg + svg_close();
  return chart_figure("task-bars", "Per-task means with 95 % CIs", svg,
                      "One panel per task and metric (benchmark subjects share a panel per metric). Bars are means, "
                      "whiskers the 95 % bootstrap CI (absent where n < 2).");
}

// ---- 3. Coefficient of variation across repetitions, per cell.

std::string cv_chart(const analysis::SamplingVariance& sv, Colors& colors) {
  const std::vector<analysis::VarianceCell>& cells = sv.cells;
  if (cells.empty()) {
    return chart_note("cv-distribution", !sv.note.empty()
                                             ? sv.note
                                             : "No sampling variance: no generate task ran with repetitions of 2 or "
                                               "more (set repetitions: and a temperature above 0 on a task to "
                                               "measure it).");
  }

  std::vector<double> all;  // percent
  for (const analysis::VarianceCell& c : cells) {
    for (const double v : c.cvs) {
      if (std::isfinite(v)) all.push_back(100 * v);
    }
  }
  const double W = 1000, L = 350, R = W - 30, hist_top = 24, hist_bottom = 150, rows_top = 176, row_h = 20;
  const double rows_bottom = rows_top + row_h * static_cast<double>(cells.size());
  const double H = rows_bottom + 48;
  const Scale x = linear_scale(0, std::max(25.0, all.empty() ? 0 : *std::max_element(all.begin(), all.end())), L, R, 8);
  const int n_bins = std::max(1, static_cast<int>(std::lround((x.d1 - x.d0) / x.step)));
  const std::vector<int64_t> counts = histogram_counts(all, x.d0, x.step, n_bins);
  const int64_t most = counts.empty() ? 1 : std::max<int64_t>(1, *std::max_element(counts.begin(), counts.end()));
  const Scale y = linear_scale(0, static_cast<double>(most), hist_bottom, hist_top, 3);

  std::string svg = svg_open(W, H, "chart cv-distribution", "coefficient of variation across repetitions");
  svg += x_axis(x, rows_bottom, hist_top, "CV across repetitions (%)");
  svg += y_axis(y, L, R, "samples");
  svg += histogram(x, y, x.d0, x.step, counts, "bin");
  for (const double ref : {5.0, 10.0, 20.0}) {
    svg += line(x(ref), hist_top - 6, x(ref), rows_bottom, "ref-line");
    svg += text(x(ref) + 3, hist_top - 8, format_value(ref) + " %", "ref-label");
  }
  svg += text(L - 8, rows_top - 8, "per cell: every sample's CV, median as a bar", "tick", "end");
  for (size_t i = 0; i < cells.size(); ++i) {
    const analysis::VarianceCell& c = cells[i];
    const std::string label = c.config.str();
    const double yc = rows_top + row_h * (static_cast<double>(i) + 0.5);
    std::string name = label + " · " + c.task_name + " · " + c.metric;
    const auto mean_cv = finite(c.cv.mean_cv), median_cv = finite(c.cv.median_cv);
    const std::string full = name + "\nmean CV " + (mean_cv ? percent(*mean_cv) : "-") + ", median " +
                             (median_cv ? percent(*median_cv) : "-") +
                             ", below 10 %: " + json(c.cv.below_10pct).dump() +
                             ", samples: " + std::to_string(c.n_samples);
    svg += "<g>" + tooltip(full) + text(L - 8, yc + 4, truncate_text(name, 56), "cell-label", "end") + "</g>";
    svg += line(L, yc, R, yc, "strip");
    for (size_t k = 0; k < c.cvs.size(); ++k) {  // sample_ids are parallel to cvs where given
      const double cv = c.cvs[k];
      if (!std::isfinite(cv)) continue;
      const double jitter = static_cast<double>(static_cast<int>((k * 7919) % 11) - 5) * 1.2;
      const std::string sample = k < c.sample_ids.size() ? std::to_string(c.sample_ids[k]) : "";
      Attrs a = {{"class", "mark cv-point"}, {"fill", colors.of(label)}};
      for (auto& kv : row_data(config_json(c.config))) a.push_back(kv);
      a.insert(a.end(), {{"data-task", c.task_name},
                         {"data-metric", c.metric},
                         {"data-sample", sample},
                         {"data-cv", json(cv).dump()}});
      svg += circle(x(x.clamp(100 * cv)), yc + jitter, 2.6, a, tooltip("sample " + sample + ": CV " + percent(cv)));
    }
    if (median_cv) {
      svg += line(x(x.clamp(100 * *median_cv)), yc - 8, x(x.clamp(100 * *median_cv)), yc + 8, "median");
    }
  }
  svg += svg_close();
  return chart_figure("cv-distribution", "Sampling variance: CV per sample across repetitions", svg,
                      "Histogram of every sample's coefficient of variation (top) and each cell's samples (below); "
                      "reference lines at 5, 10 and 20 %. " +
                          sv.note);
}

// ---- 4. KLD percentile profile per compared variant.

std::string kld_chart(const analysis::KldSummary& k, Colors& colors) {
  const std::vector<analysis::KldRow>& rows = k.rows;
  if (rows.empty()) {
    return chart_note("kld-percentiles",
                      "No KLD rows: add a kld task (e.g. prompt_suite_96_kld) and a quantized variant "
                      "to compare against its base.");
  }
  using Percentile = std::optional<double> analysis::KldPercentiles::*;
  static const std::vector<std::pair<std::string, Percentile>> kKeys = {{"p50", &analysis::KldPercentiles::p50},
                                                                        {"p90", &analysis::KldPercentiles::p90},
                                                                        {"p95", &analysis::KldPercentiles::p95},
                                                                        {"p99", &analysis::KldPercentiles::p99},
                                                                        {"max", &analysis::KldPercentiles::max}};
  double lo = INFINITY, hi = 0;
  for (const analysis::KldRow& r : rows) {
    for (const auto& [key, field] : kKeys) {
      if (const auto v = r.percentiles.*field; v && *v > 0) lo = std::min(lo, *v), hi = std::max(hi, *v);
    }
  }
  if (hi == 0) lo = 1e-6, hi = 1e-5;
  const double W = 1000, L = 80, R = 640, T = 20, B = 56;
  const double H = std::max(380.0, 40 + 50 * static_cast<double>(rows.size()));
  const Scale y = log_scale(lo, hi, H - B, T);
  auto px = [&](size_t i) { return L + (R - L) * (static_cast<double>(i) + 0.5) / static_cast<double>(kKeys.size()); };
  std::string svg = svg_open(W, H, "chart kld-percentiles", "percentiles of per-token KL divergence");
  svg += y_axis(y, L, R, "KLD (nats, log scale)");
  for (size_t i = 0; i < kKeys.size(); ++i) {
    svg += line(px(i), T, px(i), H - B, "grid");
    svg += text(px(i), H - B + 14, kKeys[i].first, "tick", "middle");
  }
  svg += line(L, H - B, R, H - B, "axis");
  svg += text((L + R) / 2, H - B + 32, "percentile of per-token KLD", "axis-label", "middle");
  for (size_t n = 0; n < rows.size(); ++n) {
    const analysis::KldRow& r = rows[n];
    const std::string label = r.config.str();
    const std::string& color = colors.of(label);
    std::vector<std::pair<double, double>> pts;
    std::string marks;
    for (size_t i = 0; i < kKeys.size(); ++i) {
      const auto& [key, field] = kKeys[i];
      const std::optional<double> v = r.percentiles.*field;
      if (!v) continue;
      const double py = y(*v > 0 ? y.clamp(*v) : y.d0);
      pts.emplace_back(px(i), py);
      Attrs a = {{"class", "mark kld-point"}, {"fill", color}};
      for (auto& kv : row_data(config_json(r.config))) a.push_back(kv);
      a.insert(a.end(), {{"data-task", r.task_name}, {"data-percentile", key}, {"data-value", json(*v).dump()}});
      if (*v <= 0) a.emplace_back("data-clamped", "true");
      marks += circle(px(i), py, 3.5, a, tooltip(label + " " + key + ": " + format_value(*v)));
    }
    if (pts.size() > 1) svg += polyline(pts, {{"class", "kld-line"}, {"stroke", color}});
    svg += marks;
    const double ly = T + 10 + 50 * static_cast<double>(n);
    svg += rect(R + 24, ly - 9, 12, 12, {{"fill", color}});
    svg += text(R + 42, ly + 1, label, "legend-text");
    svg += text(R + 42, ly + 15, "vs " + r.base_model + " · " + r.task_name, "tick");
    svg += text(
        R + 42, ly + 29,
        "mean " + format_value(r.kld_mean.value_or(NAN)) + ", same top " + (r.same_top ? percent(*r.same_top) : "-"),
        "tick");
  }
  svg += svg_close();
  return chart_figure("kld-percentiles", "KL divergence from the base model: percentiles", svg,
                      "Per-token KLD of each variant against its base, log scale; values of 0 sit on the bottom "
                      "edge. " +
                          analysis::kld_note(k) + "; " + analysis::kKldPercentilesNote);
}

// ---- The page around the charts.

}  // namespace qualm::report
