#pragma once
// Multiple-choice results as users' scripts read them: results.json / --json
// ({"results": {task: {metric, metric_stderr, "n"}}}), samples.jsonl records with SPEC S5's
// fields, and the terminal table.

#include <nlohmann/json.hpp>

#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "eval/mc_eval.h"

namespace qualm {

// Who produced the records: the first fields of every samples.jsonl record.
struct RunLabels {
  std::string run_id;
  std::string model;
  std::string variant;
  std::string backend;
};

struct McGroupResult {
  std::string name;
  std::vector<size_t> members;  // indices into the tasks
  McMetrics metrics;
};

// The metrics a task reports: its metrics: list, or all four.
std::vector<std::string> task_metrics(const TaskSpec& spec);

nlohmann::json mc_results_json(std::span<const McTask> tasks, std::span<const McTaskScores> scores,
                               std::span<const McGroupResult> groups);

// with_tokens: each choice also carries the token ids fed (`sequence`) and the log-prob of
// each continuation token (`token_logprobs`), for checks against another engine.
nlohmann::json mc_sample_record(const RunLabels& labels, const McTask& task, const McTaskScores& scores, size_t doc,
                                bool with_tokens = false);

void print_mc_table(std::ostream& out, std::span<const McTask> tasks, std::span<const McTaskScores> scores,
                    std::span<const McGroupResult> groups);

}  // namespace qualm
