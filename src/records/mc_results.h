#pragma once
// Multiple-choice samples.jsonl records with SPEC S5's fields (results.json and the table are
// rendered from records: records/results_json.h).

#include <string>
#include <vector>

#include "eval/mc_eval.h"
#include "records/sample_record.h"

namespace qualm {

// The metrics a task reports: its metrics: list, or all four.
std::vector<std::string> task_metrics(const TaskSpec& spec);

// with_tokens: each choice also carries the token ids fed (`sequence`) and the log-prob of
// each continuation token (`token_logprobs`), for checks against another engine.
SampleRecord mc_sample_record(const std::string& run_id, const ConfigKey& config, const McTask& task,
                              const McTaskScores& scores, size_t doc, bool with_tokens = false);

}  // namespace qualm
