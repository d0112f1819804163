#include "analysis/pareto.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "stats/pareto.h"

namespace qualm::analysis {

using nlohmann::json;

json pareto(const RunData& run, std::span<const CompositeRow> composite_rows) {
  if (run.costs.empty()) {
    return {{"quality_metric", "composite"},
            {"points", json::array()},
            {"note", "no cost table: add cost: costs.csv (columns model,variant,backend,usd_per_million_tokens)"}};
  }
  std::vector<const CompositeRow*> rows;
  std::vector<stats::CostQuality> points;
  json missing = json::array();
  for (const CompositeRow& row : composite_rows) {
    const auto cost = run.cost_of(row.config);
    if (!cost) {
      missing.push_back(row.config.str());
      continue;
    }
    if (!row.composite) continue;  // no generation metrics
    rows.push_back(&row);
    points.push_back({*cost, *row.composite});
  }
  const stats::ParetoResult r = stats::pareto_frontier(points);

  std::vector<size_t> order(points.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (points[a].cost != points[b].cost) return points[a].cost < points[b].cost;
    return points[a].quality > points[b].quality;
  });
  json out_points = json::array(), frontier = json::array();
  for (size_t i : order) {
    const ConfigKey& l = rows[i]->config;
    json p = config_json(l);
    p["quality"] = points[i].quality;
    p["quality_ci_low"] = rows[i]->ci_low ? json(*rows[i]->ci_low) : json();
    p["quality_ci_high"] = rows[i]->ci_high ? json(*rows[i]->ci_high) : json();
    p["usd_per_million_tokens"] = points[i].cost;
    // Cost per unit of quality; undefined when quality is not positive.
    p["quality_adjusted_cost"] = points[i].quality > 0 ? json(points[i].cost / points[i].quality) : json();
    p["on_frontier"] = static_cast<bool>(r.on_frontier[i]);
    json by = json::array();
    for (size_t j : r.dominated_by[i]) by.push_back(rows[j]->config.str());
    p["dominated_by"] = by;
    if (r.on_frontier[i]) frontier.push_back(l.str());
    out_points.push_back(p);
  }
  return {{"quality_metric", "composite"},
          {"points", out_points},
          {"frontier", frontier},
          {"missing_cost", missing},
          {"note",
           "quality_adjusted_cost = usd_per_million_tokens / composite (TR124 S10: cost per quality point, "
           "lower is better). A label is on the frontier when no other is at most as costly and at least as "
           "good with one strictly better; dominance uses the composite means, not their CIs."}};
}

}  // namespace qualm::analysis
