#include "report/html_forest.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "report/svg_chart.h"
#include "report/verdict_rule.h"

namespace qualm::report {

using nlohmann::json;

namespace {

struct Row {
  std::string label;  // "rouge_l@summarization"
  double delta, lo, hi;
  Finding finding;
};

struct Group {
  std::string title;  // "m/Q4_0/cpu vs m/F16/cpu"
  std::vector<Row> rows;
};

const char* color(Finding f) {
  switch (f) {
    case Finding::kEquivalent:
      return "#4c78a8";
    case Finding::kWorse:
      return "#d62728";
    case Finding::kBetter:
      return "#2ca02c";
    case Finding::kInconclusive:
      return "#ff7f0e";
  }
  return "#777";
}

}  // namespace

std::string forest_chart(const analysis::Summary& s) {
  const analysis::QuantizationImpact& qi = s.quantization_impact;
  const double margin = s.backend_equivalence.tost_margin;
  std::vector<Group> groups;
  double lo = -margin, hi = margin;
  for (const analysis::ComparePair& p : qi.pairs) {
    Group g{p.candidate.str() + " vs " + p.baseline.str(), {}};
    for (const analysis::DeltaRow& r : p.tasks) {
      const std::optional<Finding> f = judge(r, margin);
      if (!f || !r.delta) continue;
      Row row{r.metric + "@" + r.task_name.value_or(""), *r.delta, *r.delta_ci_low, *r.delta_ci_high, *f};
      lo = std::min(lo, row.lo);
      hi = std::max(hi, row.hi);
      g.rows.push_back(row);
    }
    if (!g.rows.empty()) groups.push_back(std::move(g));
  }
  if (groups.empty()) {
    return chart_note("forest",
                      "No candidate has a baseline on a bounded score: a forest plot needs a model with two "
                      "or more variants (its first is the baseline).");
  }
  const double W = 1000, L = 300, R = 880, T = 30, rowH = 18, groupH = 26;
  double H = T + 40;
  for (const Group& g : groups) H += groupH + rowH * static_cast<double>(g.rows.size());
  const double pad = 0.05 * (hi - lo);
  const Scale x = linear_scale(lo - pad, hi + pad, L, R);
  std::string svg = svg_open(W, H, "chart forest", "difference from the baseline with 95 % CI, per task and metric");
  const double bottom = H - 36;
  svg += x_axis(x, bottom, T, "Δ against the baseline (candidate − baseline), 95 % CI");
  svg += rect(x(-margin), T, x(margin) - x(-margin), bottom - T,
              {{"class", "margin-band"}, {"fill", "#4c78a8"}, {"fill-opacity", "0.08"}});
  svg += line(x(0), T, x(0), bottom, "axis");
  svg += text(x(-margin), T - 6, "−" + format_value(margin), "tick", "middle");
  svg += text(x(margin), T - 6, "+" + format_value(margin), "tick", "middle");
  double y = T;
  for (const Group& g : groups) {
    y += groupH;
    svg += text(8, y - 6, g.title, "legend-text");
    for (const Row& r : g.rows) {
      const double cy = y + rowH / 2;
      svg += text(L - 8, cy + 4, r.label, "tick", "end");
      svg += line(x(r.lo), cy, x(r.hi), cy, "whisker");
      const Attrs a = {{"class", std::string("mark forest-point ") + finding_name(r.finding)},
                       {"fill", color(r.finding)},
                       {"data-finding", finding_name(r.finding)},
                       {"data-label", r.label}};
      svg += circle(x(r.delta), cy, 4, a,
                    tooltip(g.title + " · " + r.label + ": Δ " + format_value(r.delta) + " [" + format_value(r.lo) +
                            ", " + format_value(r.hi) + "], " + finding_name(r.finding)));
      y += rowH;
    }
  }
  svg += svg_close();
  return chart_figure("forest", "Difference from the baseline", svg,
                      "Each candidate's Δ per task and metric with its 95 % paired bootstrap CI; the band is the ±" +
                          format_value(margin) +
                          " equivalence margin (analysis: tost_margin). Blue: equivalent; red: "
                          "worse; green: better; orange: inconclusive. Perplexity and KLD are judged by the harm "
                          "thresholds (Verdict).");
}

}  // namespace qualm::report
