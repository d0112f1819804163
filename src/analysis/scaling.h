#pragma once
// Quality scaling fit (TR124 S6.2, S15.8): composite = a * params^b in log-log space, one fit
// per (variant, backend) over the models whose parameter counts the experiment gives.

#include <nlohmann/json.hpp>
#include <span>

#include "analysis/rankings.h"
#include "analysis/run_data.h"

namespace qualm::analysis {

// {quality_metric: "composite", fits: [{variant, backend, n, a, b, r2, b_stderr, b_p_value,
//  points: [{model, params, quality}], excluded: [{model, why}], note?}], note}.
// With no (variant, backend) holding 2 distinct parameter counts: {fits: [], note: why}.
nlohmann::json scaling_fit(const RunData& run, std::span<const CompositeRow> composite_rows);

}  // namespace qualm::analysis
