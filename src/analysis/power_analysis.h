#pragma once
// Power analysis (SPEC S7): for each (task, metric), the smallest difference between two
// configurations this run could detect at its n (two-sided t-test, alpha 0.05, 80 % power),
// the CI half-width it got, and the n per configuration needed to detect the difference the
// experiment names (analysis: {detect_difference}). TR124's n = 10 per task leaves CIs of
// about ±0.2: users should see that before they conclude.
//
// summary["power"] = {alpha, power, detect_difference, rows: [{task_name, metric, configs, n, sd,
//   ci_half_width, min_detectable_difference, n_needed}], left_out: [metric], note}
// Rows in first-appearance order of (task, metric); configs and n are integers, n_needed a float
// (null where sd is 0); a figure that is not finite is null. left_out is sorted.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analysis/run_data.h"
#include "records/aggregate.h"

namespace qualm::analysis {

// The types of the JSON above.
struct PowerRow {
  std::string task_name, metric;
  int64_t configs = 0;  // configurations pooled
  int64_t n = 0;        // the smallest n among them
  std::optional<double> sd, ci_half_width, min_detectable_difference, n_needed;
};

struct PowerAnalysis {
  double alpha = 0.05, power = 0.8, detect_difference = 0.05;
  std::vector<PowerRow> rows;
  std::vector<std::string> left_out;  // metrics without a bounded scale, sorted
};

// The section's note (a constant).
extern const char* const kPowerNote;

// The JSON above; reading takes any shape (a member missing or of another type is a default).
void to_json(nlohmann::json& j, const PowerAnalysis& p);
void from_json(const nlohmann::json& j, PowerAnalysis& p);

// tasks is the run's aggregate rows (task_rows_of(summary["tasks"]) reads them back).
PowerAnalysis power_analysis(const RunData& run, std::span<const AggregateRow> tasks);

}  // namespace qualm::analysis
