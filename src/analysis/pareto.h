#pragma once
// Quality-cost Pareto frontier (TR124 S10): each label's composite quality against its cost
// per million tokens from the experiment's cost table, quality-adjusted cost, frontier
// membership and which labels dominate each one.

#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analysis/rankings.h"
#include "analysis/run_data.h"

namespace qualm::analysis {

// {quality_metric: "composite", points: [{model, variant, backend, quality, quality_ci_low,
//  quality_ci_high, usd_per_million_tokens, quality_adjusted_cost, on_frontier, dominated_by:
//  ["model/variant/backend", ...]}] (cheapest first), frontier: [labels], missing_cost:
//  [labels], note}. Without a cost table: {quality_metric, points: [], note} (no frontier, no
//  missing_cost). A figure that is undefined is null.

struct ParetoPoint {
  ConfigKey config;
  std::optional<double> quality, quality_ci_low, quality_ci_high;  // the composite and its CI
  std::optional<double> usd_per_million_tokens;
  std::optional<double> quality_adjusted_cost;  // usd_per_million_tokens / quality; unset where quality <= 0
  bool on_frontier = false;
  std::vector<std::string> dominated_by;  // "model/variant/backend"
};

struct ParetoFrontier {
  std::string quality_metric;
  std::vector<ParetoPoint> points;
  // Labels on the frontier and labels without a cost row; both absent without a cost table.
  std::optional<std::vector<std::string>> frontier, missing_cost;
  std::string note;  // "" only where the section was not read (absent or of another shape)
};

// The JSON above; reading takes any shape (a member missing or of another type is a default).
void to_json(nlohmann::json& j, const ParetoFrontier& p);
void from_json(const nlohmann::json& j, ParetoFrontier& p);

ParetoFrontier pareto(const RunData& run, std::span<const CompositeRow> composite_rows);

}  // namespace qualm::analysis
