#pragma once
// Quality-cost Pareto frontier (TR124 S10): each label's composite quality against its cost
// per million tokens from the experiment's cost table, quality-adjusted cost, frontier
// membership and which labels dominate each one.

#include <nlohmann/json.hpp>
#include <span>

#include "analysis/rankings.h"
#include "analysis/run_data.h"

namespace qualm::analysis {

// {quality_metric: "composite", points: [{model, variant, backend, quality, quality_ci_low,
//  quality_ci_high, usd_per_million_tokens, quality_adjusted_cost, on_frontier, dominated_by:
//  ["model/variant/backend", ...]}] (cheapest first), frontier: [labels], missing_cost:
//  [labels], note}. Without a cost table: {points: [], note}.
nlohmann::json pareto(const RunData& run, std::span<const CompositeRow> composite_rows);

}  // namespace qualm::analysis
