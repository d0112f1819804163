#pragma once
// Generate-task results beside the multiple-choice ones: results.json rows
// ({metric, metric_stderr, "n"}), samples.jsonl records (SPEC S5) and the terminal table.

#include <nlohmann/json.hpp>

#include <optional>
#include <ostream>
#include <span>

#include "eval/gen_eval.h"
#include "records/mc_results.h"

namespace qualm {

// Adds each task's row to results["results"] and its details to results["tasks"].
void add_gen_results(nlohmann::json& results, std::span<const GenTask> tasks, std::span<const GenTaskScores> scores);

// A token count for a record: the number, or null when the server reported none.
nlohmann::json count_json(std::optional<int> n);

nlohmann::json gen_sample_record(const RunLabels& labels, const GenTask& task, const GenTaskScores& scores, size_t doc,
                                 uint64_t seed, double temperature, int rep = 0);

void print_gen_table(std::ostream& out, std::span<const GenTask> tasks, std::span<const GenTaskScores> scores);

}  // namespace qualm
