#pragma once
// summary.json (SPEC S5, S7): counts, composite and rankings, benchmark accuracies with
// Wilson CIs, per-task rows, every analysis of S7 under its own key, the invariants and the
// gate results — all computed from a run's records (RunData), so `qualm report` rebuilds it.

#include <nlohmann/json.hpp>

#include <span>

#include "analysis/run_data.h"
#include "records/aggregate.h"

namespace qualm::analysis {

// evaluated, errors, truncated from the records; planned, skipped from the manifest's plan.
nlohmann::json record_counts(const RunData& run);

// Every section. Gate results are added by the caller (they may need a baseline run).
nlohmann::json make_summary(const RunData& run);
// The same, from aggregate.csv's rows when the caller has them (their bootstrap is not redone).
nlohmann::json make_summary(const RunData& run, std::span<const AggregateRow> rows);

}  // namespace qualm::analysis
