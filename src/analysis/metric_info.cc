#include "analysis/metric_info.h"

#include <limits>
#include <map>
#include <set>

#include "metrics/registry.h"

namespace qualm::analysis {

std::optional<std::pair<double, double>> metric_range(const std::string& metric) {
  const std::string name(metrics::split_pipeline_metric(metric).base);  // "exact_match,strict-match": exact_match's
  constexpr double kInf = std::numeric_limits<double>::infinity();
  static const std::map<std::string, std::pair<double, double>> kRanges = {
      {"coherence", {-1, 1}},          {"acc", {0, 1}},           {"acc_norm", {0, 1}},
      {"acc_bytes", {0, 1}},           {"acc_token_mean", {0, 1}}, {"word_perplexity", {1, kInf}},
      {"byte_perplexity", {1, kInf}},  {"token_perplexity", {1, kInf}}, {"bits_per_byte", {0, kInf}},
      {"loglikelihood", {-kInf, 0}},   {"kld_mean", {0, kInf}},   {"kld_median", {0, kInf}},
      {"kld_p90", {0, kInf}},          {"kld_p95", {0, kInf}},
      {"kld_p99", {0, kInf}},          {"kld_max", {0, kInf}},    {"same_top", {0, 1}},
      {"dp_mean", {-1, 1}},            {"rms_dp", {0, 1}},        {"ppl_ratio", {0, kInf}},
      {"perplexity", {1, kInf}},
      {"logprob_correlation", {-1, 1}}};
  if (const auto it = kRanges.find(name); it != kRanges.end()) return it->second;
  if (const metrics::TextMetric* m = metrics::find_text_metric(name)) return std::make_pair(m->min, m->max);
  return std::nullopt;
}

bool higher_is_better(const std::string& metric) {
  const std::string name(metrics::split_pipeline_metric(metric).base);
  static const std::set<std::string> kLower = {
      "word_perplexity", "byte_perplexity", "token_perplexity", "bits_per_byte", "kld_mean", "kld_median",
      "kld_p90",         "kld_p95",         "kld_p99",          "kld_max",       "rms_dp",   "ppl_ratio",
      "ppl_diff",        "ln_ppl_ratio",    "kld_stderr",       "dp_stderr",     "perplexity"};
  if (kLower.count(name)) return false;
  if (const metrics::TextMetric* m = metrics::find_text_metric(name)) return m->higher_is_better;
  return true;
}

}  // namespace qualm::analysis
