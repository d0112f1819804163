#pragma once
// Power analysis (SPEC S7): for each (task, metric), the smallest difference between two
// configurations this run could detect at its n (two-sided t-test, alpha 0.05, 80 % power),
// the CI half-width it got, and the n per configuration needed to detect the difference the
// experiment names (analysis: {detect_difference}). TR124's n = 10 per task leaves CIs of
// about ±0.2: users should see that before they conclude.

#include <nlohmann/json.hpp>
#include <span>

#include "analysis/run_data.h"
#include "records/aggregate.h"

namespace qualm::analysis {

// {alpha, power, detect_difference, rows: [{task_name, metric, configs, n, sd, ci_half_width,
//  min_detectable_difference, n_needed}], note}. tasks is task_rows(run).
nlohmann::json power_analysis(const RunData& run, std::span<const AggregateRow> tasks);

}  // namespace qualm::analysis
