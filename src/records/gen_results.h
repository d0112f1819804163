#pragma once
// Generate-task samples.jsonl records (SPEC S5).

#include <nlohmann/json.hpp>

#include <optional>

#include "eval/gen_eval.h"
#include "records/mc_results.h"

namespace qualm {

// A token count for a record: the number, or null when the server reported none.
nlohmann::json count_json(std::optional<int> n);

nlohmann::json gen_sample_record(const RunLabels& labels, const GenTask& task, const GenTaskScores& scores, size_t doc,
                                 uint64_t seed, double temperature, int rep = 0);

}  // namespace qualm
