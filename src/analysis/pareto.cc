#include "analysis/pareto.h"

#include <algorithm>
#include <numeric>
#include <utility>

#include "analysis/json_fields.h"
#include "stats/pareto.h"

namespace qualm::analysis {

using nlohmann::json;
using namespace json_fields;

ParetoFrontier pareto(const RunData& run, std::span<const CompositeRow> composite_rows) {
  ParetoFrontier out;
  out.quality_metric = "composite";
  if (run.costs.empty()) {
    out.note = "no cost table: add cost: costs.csv (columns model,variant,backend,usd_per_million_tokens)";
    return out;
  }
  std::vector<const CompositeRow*> rows;
  std::vector<stats::CostQuality> points;
  std::vector<std::string> missing;
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
  std::vector<std::string> frontier;
  for (size_t i : order) {
    const ConfigKey& l = rows[i]->config;
    ParetoPoint p{l,
                  points[i].quality,
                  rows[i]->ci_low,
                  rows[i]->ci_high,
                  points[i].cost,
                  std::nullopt,
                  static_cast<bool>(r.on_frontier[i]),
                  {}};
    // Cost per unit of quality; undefined when quality is not positive.
    if (points[i].quality > 0) p.quality_adjusted_cost = points[i].cost / points[i].quality;
    for (size_t j : r.dominated_by[i]) p.dominated_by.push_back(rows[j]->config.str());
    if (p.on_frontier) frontier.push_back(l.str());
    out.points.push_back(std::move(p));
  }
  out.frontier = std::move(frontier);
  out.missing_cost = std::move(missing);
  out.note =
      "quality_adjusted_cost = usd_per_million_tokens / composite (TR124 S10: cost per quality point, "
      "lower is better). A label is on the frontier when no other is at most as costly and at least as "
      "good with one strictly better; dominance uses the composite means, not their CIs.";
  return out;
}

// ---- summary.json's `pareto` written and read (json_fields.h).

namespace {

const Figures<ParetoPoint> kPointFigures = {{"quality", &ParetoPoint::quality},
                                            {"quality_ci_low", &ParetoPoint::quality_ci_low},
                                            {"quality_ci_high", &ParetoPoint::quality_ci_high},
                                            {"usd_per_million_tokens", &ParetoPoint::usd_per_million_tokens},
                                            {"quality_adjusted_cost", &ParetoPoint::quality_adjusted_cost}};

json point_json(const ParetoPoint& p) {
  json out = config_json(p.config);
  write(out, p, kPointFigures, {});
  out["on_frontier"] = p.on_frontier;
  out["dominated_by"] = p.dominated_by;
  return out;
}

ParetoPoint point_of(const json& j) {
  ParetoPoint p;
  p.config = config_of(j);
  read(j, p, kPointFigures, {});
  p.on_frontier = flag(j, "on_frontier", false);
  p.dominated_by = texts(j, "dominated_by");
  return p;
}

// The member's strings where it is an array, else unset.
std::optional<std::vector<std::string>> maybe_texts(const json& j, const char* key) {
  return member(j, key).is_array() ? std::optional(texts(j, key)) : std::nullopt;
}

}  // namespace

void to_json(json& j, const ParetoFrontier& p) {
  json points = json::array();
  for (const ParetoPoint& point : p.points) points.push_back(point_json(point));
  j = {{"quality_metric", p.quality_metric}, {"points", std::move(points)}, {"note", p.note}};
  if (p.frontier) j["frontier"] = *p.frontier;
  if (p.missing_cost) j["missing_cost"] = *p.missing_cost;
}

void from_json(const json& j, ParetoFrontier& p) {
  p = {};
  p.quality_metric = text(j, "quality_metric");
  for (const json& point : items(j, "points")) p.points.push_back(point_of(point));
  p.frontier = maybe_texts(j, "frontier");
  p.missing_cost = maybe_texts(j, "missing_cost");
  p.note = text(j, "note");
}

}  // namespace qualm::analysis
