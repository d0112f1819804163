#pragma once
// KL divergence of quantized or otherwise changed models from their base (SPEC S6), pooled
// over each kld task's documents and broken down by prompt category (prompt_suite_96).

#include <nlohmann/json.hpp>

#include "analysis/run_data.h"

namespace qualm::analysis {

// {threshold, rows: [{model, variant, backend, task_name, base_model, n_docs, n_tokens, kld_mean,
//  kld_stderr, same_top, ppl_ratio, ppl_delta_pct, percentiles {p50, p90, p95, p99, max},
//  percentiles_note, categories: [{category, n_docs, n_tokens, kld_mean, same_top, flagged}],
//  most_harmed: [category...], flagged: [category...], checks {ppl_delta, same_top, categories}}],
//  thresholds, note}. Categories whose token-weighted mean KLD exceeds run.harm.max_category_kld
// (SPEC S6 default 0.05), or `max_category_kld` where given, are flagged; checks are true where
// a row is within those limits.
nlohmann::json kld_summary(const RunData& run);
nlohmann::json kld_summary(const RunData& run, double max_category_kld);

}  // namespace qualm::analysis
