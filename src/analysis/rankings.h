#pragma once
// Composite quality and rankings (TR124 S9, S12): the composite of each (model, variant,
// backend) with a bootstrap CI, per-metric rankings, composite rank as the mean of per-metric
// ranks, agreement between metric rankings, and rankings by model, backend and task.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analysis/run_data.h"
#include "records/aggregate.h"

namespace qualm::analysis {

// summary.json's composite: [{model, variant, backend, composite, ci_low, ci_high, n_samples,
//   n_metrics, composite_metrics, metrics {m: mean}, metrics_left_out, rank, tied, rank_by_value,
//   mean_metric_rank, rank_by_metrics}] best first. The composite is the unweighted mean, over
// the generation metrics every configuration has (composite_metrics), of each metric's value
// over the label's generate records; metrics only some have are listed in metrics_left_out
// (absent when none; so is metrics when the label has none). rank is 1 + the configurations
// whose whole CI lies above this one's, so overlapping CIs tie.
struct CompositeRow {
  ConfigKey config;
  std::optional<double> composite, ci_low, ci_high;  // unset where not finite (null)
  int64_t n_samples = 0, n_metrics = 0;
  std::vector<std::string> composite_metrics, metrics_left_out;
  std::map<std::string, double> metrics;  // each generation metric the label has, aggregated as declared
  std::optional<double> mean_metric_rank;
  double rank_by_metrics = 0;
  int64_t rank = 0, rank_by_value = 0;
  bool tied = false;
};

// The JSON above; reading takes any shape (a member missing or of another type is a default).
void to_json(nlohmann::json& j, const CompositeRow& row);
void from_json(const nlohmann::json& j, CompositeRow& row);

std::vector<CompositeRow> composite(const RunData& run);

// aggregate.csv's rows as summary.json's tasks: [{model, variant, backend, task_name, metric, n,
// mean, std, ci_low, ci_high, aggregation}] (null where undefined), and read back (null as NaN;
// any shape reads without throwing).
nlohmann::json task_rows(std::span<const AggregateRow> rows);
std::vector<AggregateRow> task_rows_of(const nlohmann::json& rows);

// summary.json's rankings: {per_metric: {metric: {higher_is_better, rows: [{model, variant,
//   backend, value, rank}]}}, agreement: [{metric_a, metric_b, n, spearman, spearman_p,
//   kendall_tau, kendall_p}], agreement_note, by_model: [{model, mean_composite, n_configs, rank}],
//   by_variant: [{variant, ...}], by_backend: [{backend, ...}], by_task: [{task_name, best,
//   rows: [{model, variant, backend, task_composite, rank}]}]}
// per_metric ranks every configuration having the metric (1 = best in its direction, ties
// averaged: a JSON float), best first; agreement correlates each pair of metrics' rankings over
// the configurations having every metric (null where not finite). by_model, by_variant and
// by_backend rank each one's mean composite over its configurations; by_task each generate
// task's configurations by the mean of the task's metric means, best first (best is its
// "model/variant/backend"). Integer ranks count from 1.
struct MetricRankRow {
  ConfigKey config;
  double value = 0, rank = 0;
};

struct MetricRanking {
  bool higher_is_better = true;
  std::vector<MetricRankRow> rows;  // best first
};

struct MetricAgreement {
  std::string metric_a, metric_b;
  int64_t n = 0;  // configurations compared
  std::optional<double> spearman, spearman_p, kendall_tau, kendall_p;
};

// A model, variant or backend (by_model, by_variant, by_backend: the JSON key names which).
struct GroupRank {
  std::string name;
  double mean_composite = 0;
  int64_t n_configs = 0, rank = 0;
};

struct TaskRankRow {
  ConfigKey config;
  double task_composite = 0;
  int64_t rank = 0;
};

struct TaskRanking {
  std::string task_name, best;
  std::vector<TaskRankRow> rows;  // best first
};

struct Rankings {
  std::map<std::string, MetricRanking> per_metric;
  std::vector<MetricAgreement> agreement;
  std::vector<GroupRank> by_model, by_variant, by_backend;
  std::vector<TaskRanking> by_task;
};

// What agreement holds (a constant, written as agreement_note).
extern const char* const kAgreementNote;

// The JSON above; reading takes any shape (a member missing or of another type is a default).
void to_json(nlohmann::json& j, const Rankings& r);
void from_json(const nlohmann::json& j, Rankings& r);

// by_task reads the run's aggregate rows (tasks).
Rankings rankings(const RunData& run, std::span<const CompositeRow> composite_rows,
                  std::span<const AggregateRow> tasks);

}  // namespace qualm::analysis
