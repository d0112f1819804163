#pragma once
// summary.json (SPEC S5, S7): counts, composite and rankings, benchmark accuracies with
// Wilson CIs, per-task rows, every analysis of S7 under its own key, the invariants and the
// gate results — all computed from a run's records (RunData), so `qualm report` rebuilds it.
// Both renderers (report.md, report.html) take the typed Summary; summary.json is its to_json.

#include <nlohmann/json.hpp>
#include <span>

#include "analysis/benchmarks.h"
#include "analysis/compare.h"
#include "analysis/disagreements.h"
#include "analysis/kld_summary.h"
#include "analysis/quant_harm.h"
#include "analysis/rankings.h"
#include "analysis/run_data.h"
#include "records/aggregate.h"

namespace qualm::analysis {

struct Summary {
  std::vector<CompositeRow> composite;  // best first
  std::vector<AggregateRow> tasks;      // aggregate.csv's rows
  std::vector<BenchmarkRow> benchmarks;
  QuantizationImpact quantization_impact;
  QuantizationHarm quantization_harm;
  KldSummary kld;
  Disagreements disagreements;
  // summary.json's other members, by key (experiment, run_id, counts, rankings,
  // backend_equivalence, power, sampling_variance, examples, task_router,
  // scaling_fit, pareto, invariants, errors, and gates once evaluated).
  nlohmann::json rest = nlohmann::json::object();
};

// summary.json; reading takes any shape (a typed section missing or of another shape reads as
// its default).
void to_json(nlohmann::json& j, const Summary& s);
void from_json(const nlohmann::json& j, Summary& s);

// evaluated, errors, truncated from the records; planned, skipped from the manifest's plan.
nlohmann::json record_counts(const RunData& run);

// Every section from aggregate.csv's rows (their bootstrap is not redone). Gate results are
// added by the caller (they may need a baseline run).
Summary make_summary(const RunData& run, std::span<const AggregateRow> rows);

}  // namespace qualm::analysis
