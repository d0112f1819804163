#pragma once
// loglikelihood_rolling and kld samples.jsonl records with SPEC S5's fields (prompt = the text
// scored; metrics = the document's; kld records carry their mergeable kld_state).

#include <string>

#include "eval/kld_eval.h"
#include "eval/rolling_eval.h"
#include "records/sample_record.h"

namespace qualm {

// with_tokens: also `tokens` (every scored token) and `token_logprobs` (one per token).
SampleRecord rolling_sample_record(const std::string& run_id, const ConfigKey& config, const RollingTask& task,
                                   const RollingTaskScores& scores, size_t doc, bool with_tokens = false);
SampleRecord kld_sample_record(const std::string& run_id, const ConfigKey& config, const KldTask& task,
                               const KldTaskScores& scores, size_t doc, const std::string& base_model);

}  // namespace qualm
