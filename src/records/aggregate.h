#pragma once
// aggregate.csv (SPEC S5): one row per (model, variant, backend, task, metric) from the
// samples.jsonl records, with mean, std (n - 1) and a seeded 95% bootstrap percentile CI.

#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "records/sample_record.h"

namespace qualm {

struct AggregateRow {
  ConfigKey config;
  std::string task_name, metric;
  int64_t n;
  double mean, std, ci_low, ci_high;  // std is NaN when n < 2
  // How `mean` was made (records/metric_aggregation.h): "mean" of the per-sample values, or
  // "corpus" (BLEU, chrF) / "weighted" (perplexities, KLD) over the samples; std is always that
  // of the per-sample values, and the CI a bootstrap over samples of the aggregated value.
  std::string aggregation = "mean";
};

// Rows in the order each (model, variant, backend, task_name) first appears in `records`, with
// metric names sorted within. Each metric aggregates as metric_aggregation() declares. Error
// records are skipped, as are NaN metric values (null in samples.jsonl). Each row's CI is
// bootstrap_mean_ci over its values in record order, seeded with
// mix_seed(seed, "model|variant|backend|task_name|metric"), so a row's CI does not depend on
// which other rows exist.
std::vector<AggregateRow> aggregate_records(std::span<const SampleRecord> records, uint64_t seed);

// The header "model,variant,backend,task_name,metric,n,mean,std,ci_low,ci_high,aggregation",
// then one line per row. Text fields are quoted per RFC 4180 when they hold a comma, quote, CR or LF; numbers
// are written with 17 significant digits (round-trip exact), NaN as an empty field. Lines end
// with LF.
void write_aggregate_csv(std::ostream& out, std::span<const AggregateRow> rows);

}  // namespace qualm
