#pragma once
// summary.json (SPEC S5, S7): counts, composite and rankings, benchmark accuracies with
// Wilson CIs, per-task rows, every analysis of S7 under its own key, the invariants and the
// gate results — all computed from a run's records (RunData), so `qualm report` rebuilds it.
// Both renderers (report.md, report.html) take the typed Summary; summary.json is its to_json.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "analysis/benchmarks.h"
#include "analysis/compare.h"
#include "analysis/disagreements.h"
#include "analysis/equivalence.h"
#include "analysis/examples.h"
#include "analysis/gates.h"
#include "analysis/invariants.h"
#include "analysis/kld_summary.h"
#include "analysis/pareto.h"
#include "analysis/power_analysis.h"
#include "analysis/quant_harm.h"
#include "analysis/rankings.h"
#include "analysis/router.h"
#include "analysis/run_data.h"
#include "analysis/scaling.h"
#include "analysis/variance.h"
#include "records/aggregate.h"

namespace qualm::analysis {

// summary.json's counts: evaluated, errors, truncated and unknown tokens from the records;
// planned, skipped from the manifest's plan.
struct RecordCounts {
  int64_t evaluated = 0, skipped = 0, skipped_cells = 0, errors = 0, truncated = 0, planned = 0;
  // Characters the vocabulary cannot encode, each run of them one unknown token.
  int64_t unknown_tokens = 0, samples_with_unknown_tokens = 0;
};

// summary.json's errors: one per error record, in canonical order.
struct ErrorRecord {
  ConfigKey config;
  std::string task_name;
  int64_t sample_id = 0;
  std::string error;
};

void to_json(nlohmann::json& j, const RecordCounts& c);
void from_json(const nlohmann::json& j, RecordCounts& c);
void to_json(nlohmann::json& j, const ErrorRecord& e);
void from_json(const nlohmann::json& j, ErrorRecord& e);

// Every section under its summary.json key (summary.cc lists each member's key once).
struct Summary {
  std::string experiment, run_id;
  RecordCounts counts;
  std::vector<CompositeRow> composite;  // best first
  std::vector<AggregateRow> tasks;      // aggregate.csv's rows
  std::vector<BenchmarkRow> benchmarks;
  Rankings rankings;
  BackendEquivalence backend_equivalence;
  PowerAnalysis power;
  QuantizationImpact quantization_impact;
  QuantizationHarm quantization_harm;
  KldSummary kld;
  SamplingVariance sampling_variance;
  std::vector<OutputExample> examples;
  Disagreements disagreements;
  TaskRouter task_router;
  ScalingFit scaling_fit;
  ParetoFrontier pareto;
  std::vector<Invariant> invariants;
  std::vector<ErrorRecord> errors;
  std::vector<GateResult> gates;  // empty until the caller evaluates them (analysis/gates.h)
};

// summary.json; reading takes any shape (a section missing or of another shape reads as its
// default; members summary.json does not define are dropped).
void to_json(nlohmann::json& j, const Summary& s);
void from_json(const nlohmann::json& j, Summary& s);

RecordCounts record_counts(const RunData& run);

// Every section from aggregate.csv's rows (their bootstrap is not redone). Gate results are
// added by the caller (they may need a baseline run).
Summary make_summary(const RunData& run, std::span<const AggregateRow> rows);

}  // namespace qualm::analysis
