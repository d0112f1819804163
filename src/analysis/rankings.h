#pragma once
// Composite quality and rankings (TR124 S9, S12): the composite of each (model, variant,
// backend) with a bootstrap CI, per-metric rankings, composite rank as the mean of per-metric
// ranks, agreement between metric rankings, and rankings by model, backend and task.

#include <nlohmann/json.hpp>

#include <span>

#include "analysis/run_data.h"
#include "records/aggregate.h"

namespace qualm::analysis {

// [{model, variant, backend, composite, ci_low, ci_high, n_samples, n_metrics, composite_metrics,
//   metrics {m: mean}, metrics_left_out, rank, tied, rank_by_value, mean_metric_rank,
//   rank_by_metrics}] best first. The composite is the unweighted mean, over the generation
// metrics every configuration has (composite_metrics), of each metric's value over the
// label's generate records; metrics only some have are listed in metrics_left_out. rank is
// 1 + the configurations whose whole CI lies above this one's, so overlapping CIs tie.
nlohmann::json composite(const RunData& run);

// aggregate.csv's rows as summary.json's tasks: [{model, variant, backend, task_name, metric, n,
// mean, std, ci_low, ci_high, aggregation}] (null where undefined), and read back (null as NaN;
// any shape reads without throwing).
nlohmann::json task_rows(std::span<const AggregateRow> rows);
std::vector<AggregateRow> task_rows_of(const nlohmann::json& rows);

// {per_metric: {metric: [{model, variant, backend, value, rank}]}, agreement: [{metric_a,
//  metric_b, n, spearman, kendall_tau}], by_model: [...], by_backend: [...], by_task: [...]}
// by_task reads the run's aggregate rows (tasks).
nlohmann::json rankings(const RunData& run, const nlohmann::json& composite_rows, std::span<const AggregateRow> tasks);

}  // namespace qualm::analysis
