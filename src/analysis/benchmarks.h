#pragma once
// Benchmark accuracies (TR124 S8): correct / n per (label, task, metric) for multiple-choice
// tasks, and per group (mmlu), with Wilson 95 % CIs.

#include <nlohmann/json.hpp>

#include "analysis/run_data.h"

namespace qualm::analysis {

// [{model, variant, backend, task, group?, metric, n, correct, value, ci_low, ci_high}]
nlohmann::json benchmarks(const RunData& run);

}  // namespace qualm::analysis
