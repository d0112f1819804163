#pragma once
// KL divergence of quantized or otherwise changed models from their base (SPEC S6), pooled
// over each kld task's documents and broken down by prompt category (prompt_suite_96).
//
// summary["kld"] = {threshold, thresholds {max_category_kld, max_ppl_delta_pct, min_same_top},
//   rows: [{model, variant, backend, task_name, base_model, n_docs, n_tokens, kld_mean,
//     kld_stderr, same_top, ppl_ratio, ppl_delta_pct, percentiles {p50, p90, p95, p99, max},
//     percentiles_note, categories: [{category, n_docs, n_tokens, kld_mean, same_top, flagged}],
//     most_harmed: [category...], flagged: [category...], checks {ppl_delta, same_top, categories}}],
//   note}
// Categories whose token-weighted mean KLD exceeds run.harm.max_category_kld (SPEC S6 default
// 0.05), or `max_category_kld` where given, are flagged; checks are true where a row is within
// those limits. threshold is thresholds.max_category_kld. A figure that is not finite is null.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analysis/run_data.h"

namespace qualm::analysis {

struct KldCategory {
  std::string category;
  int64_t n_docs = 0;
  double n_tokens = 0;  // a JSON float, as summary.json has always written it
  std::optional<double> kld_mean, same_top;
  bool flagged = false;
};

// Token-weighted means of each document's percentiles (p50..p99) and the largest token KLD.
struct KldPercentiles {
  std::optional<double> p50, p90, p95, p99, max;
};

struct KldChecks {
  bool ppl_delta = false, same_top = false, categories = false;
};

struct KldRow {
  ConfigKey config;
  std::string task_name, base_model;
  int64_t n_docs = 0;
  double n_tokens = 0;
  std::optional<double> kld_mean, kld_stderr, same_top, ppl_ratio, ppl_delta_pct;
  KldPercentiles percentiles;
  std::vector<KldCategory> categories;  // in first-appearance order
  std::vector<std::string> most_harmed;  // the (up to) three categories of highest mean KLD, highest first
  std::vector<std::string> flagged;     // categories over thresholds.max_category_kld
  KldChecks checks;
};

struct KldSummary {
  HarmThresholds thresholds;  // non_degenerate_repetition is not written
  std::vector<KldRow> rows;
};

// What the percentiles are, and the section's note (which depends only on whether rows is empty).
extern const char* const kKldPercentilesNote;
std::string kld_note(const KldSummary& s);

// The JSON above; reading takes any shape (a member missing or of another type is a default).
void to_json(nlohmann::json& j, const KldSummary& s);
void from_json(const nlohmann::json& j, KldSummary& s);

KldSummary kld_summary(const RunData& run);
KldSummary kld_summary(const RunData& run, double max_category_kld);

}  // namespace qualm::analysis
