#pragma once
// loglikelihood_rolling and kld results beside the multiple-choice and generate ones:
// results.json rows (results[task] = the task's summary metrics and "n"; kld tasks add
// per-category rows under tasks[task].categories), samples.jsonl records with SPEC S5's
// fields (prompt = the text scored; metrics = the document's), and the terminal table.

#include <nlohmann/json.hpp>

#include <ostream>
#include <span>

#include "eval/kld_eval.h"
#include "eval/rolling_eval.h"
#include "records/mc_results.h"

namespace qualm {

void add_rolling_results(nlohmann::json& results, std::span<const RollingTask> tasks,
                         std::span<const RollingTaskScores> scores);
void add_kld_results(nlohmann::json& results, std::span<const KldTask> tasks, std::span<const KldTaskScores> scores,
                     const std::string& base_model);

// with_tokens: also `tokens` (every scored token) and `token_logprobs` (one per token).
nlohmann::json rolling_sample_record(const RunLabels& labels, const RollingTask& task, const RollingTaskScores& scores,
                                     size_t doc, bool with_tokens = false);
nlohmann::json kld_sample_record(const RunLabels& labels, const KldTask& task, const KldTaskScores& scores, size_t doc,
                                 const std::string& base_model);

void print_rolling_table(std::ostream& out, std::span<const RollingTask> tasks, std::span<const RollingTaskScores> scores);
void print_kld_table(std::ostream& out, std::span<const KldTask> tasks, std::span<const KldTaskScores> scores);

}  // namespace qualm
