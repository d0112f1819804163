#pragma once
// Generate-task samples.jsonl records (SPEC S5).

#include <nlohmann/json.hpp>

#include <optional>

#include "eval/gen_eval.h"
#include "records/sample_record.h"

namespace qualm {

// A token count for qualm generate --json: the number, or null when the server reported none.
nlohmann::json count_json(std::optional<int> n);

// log_tokens: the record also holds the token ids fed and generated (`tokens`).
SampleRecord gen_sample_record(const std::string& run_id, const ConfigKey& config, const GenTask& task,
                               const GenTaskScores& scores, size_t doc, uint64_t seed, double temperature, int rep = 0,
                               bool log_tokens = false);

}  // namespace qualm
