#pragma once
// loglikelihood_rolling and kld samples.jsonl records with SPEC S5's fields (prompt = the text
// scored; metrics = the document's; kld records carry their mergeable kld_state).

#include <nlohmann/json.hpp>


#include "eval/kld_eval.h"
#include "eval/rolling_eval.h"
#include "records/mc_results.h"

namespace qualm {

// with_tokens: also `tokens` (every scored token) and `token_logprobs` (one per token).
nlohmann::json rolling_sample_record(const RunLabels& labels, const RollingTask& task, const RollingTaskScores& scores,
                                     size_t doc, bool with_tokens = false);
nlohmann::json kld_sample_record(const RunLabels& labels, const KldTask& task, const KldTaskScores& scores, size_t doc,
                                 const std::string& base_model);

}  // namespace qualm
