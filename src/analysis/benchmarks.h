#pragma once
// Benchmark accuracies (TR124 S8): correct / n per (label, task, metric) for multiple-choice
// tasks, and per group (mmlu), with Wilson 95 % CIs.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analysis/run_data.h"

namespace qualm::analysis {

// One row: a task's, or a group's (task is then the group's name). group is set on the rows of
// a group's member tasks.
struct BenchmarkRow {
  ConfigKey config;
  std::string task;
  std::optional<std::string> group;
  std::string metric;
  int64_t n = 0, correct = 0;
  double value = 0, ci_low = 0, ci_high = 0;  // correct / n and its Wilson 95 % CI
};

// summary.json's benchmarks: [{model, variant, backend, task, group?, metric, n, correct, value,
// ci_low, ci_high}]; reading takes any shape (a row that is not an object reads as a default).
void to_json(nlohmann::json& j, const BenchmarkRow& row);
void from_json(const nlohmann::json& j, BenchmarkRow& row);

// Rows in first-appearance order of (label, task or group, metric).
std::vector<BenchmarkRow> benchmarks(const RunData& run);

}  // namespace qualm::analysis
