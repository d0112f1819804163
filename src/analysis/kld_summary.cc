#include "analysis/kld_summary.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>
#include <utility>

#include "metrics/model_metrics.h"

namespace qualm::analysis {

namespace {

// Token-weighted sums over documents. Per-document means weighted by their token counts give
// the pooled per-token mean exactly; percentiles do not pool that way (see the note).
struct Pool {
  int64_t docs = 0;
  double tokens = 0;
  double kld = 0, kld_sq = 0, same = 0, ln_ppl = 0;
  double p50 = 0, p90 = 0, p95 = 0, p99 = 0, max = 0;

  void add(const SampleRecord& r) {
    const double n = r.metric(metrics::model::kNTokens).value_or(0);
    if (n <= 0) return;
    const double k = r.metric(metrics::model::kKldMean).value_or(NAN);
    const double se = r.metric(metrics::model::kKldStderr).value_or(0);
    ++docs;
    tokens += n;
    kld += n * k;
    // E[x^2] of the document from its mean and stderr = sqrt((E[x^2] - mean^2) / (n - 1)).
    kld_sq += n * (se * se * (n - 1) + k * k);
    same += n * r.metric(metrics::model::kSameTop).value_or(NAN);
    const auto ln = r.metric(metrics::model::kLnPplRatio);
    ln_ppl += n * (ln ? *ln : std::log(r.metric(metrics::model::kPplRatio).value_or(NAN)));
    p50 += n * r.metric(metrics::model::kKldMedian).value_or(NAN);
    p90 += n * r.metric(metrics::model::kKldP90).value_or(NAN);
    p95 += n * r.metric(metrics::model::kKldP95).value_or(NAN);
    p99 += n * r.metric(metrics::model::kKldP99).value_or(NAN);
    max = std::max(max, r.metric(metrics::model::kKldMax).value_or(NAN));
  }
  double kld_mean() const { return kld / tokens; }
  double kld_stderr() const {
    if (tokens < 2) return NAN;
    const double m = kld_mean();
    return std::sqrt(std::max(0.0, kld_sq / tokens - m * m) / (tokens - 1));
  }
  double same_top() const { return same / tokens; }
};

}  // namespace

const char* const kKldPercentilesNote =
    "p50..p99 are token-weighted means of each document's percentiles, not percentiles of the pooled "
    "tokens; max is the largest token KLD of any document";

std::string kld_note(const KldSummary& s) {
  return s.rows.empty() ? "no kld records"
                        : "token-weighted over documents: kld_mean, kld_stderr, same_top and ln(ppl_ratio) are "
                          "the pooled per-token figures; categories over the threshold mean KLD are flagged";
}

KldSummary kld_summary(const RunData& run) { return kld_summary(run, run.harm.max_category_kld); }

KldSummary kld_summary(const RunData& run, double max_category_kld) {
  HarmThresholds harm = run.harm;
  harm.max_category_kld = max_category_kld;
  using Key = std::tuple<ConfigKey, std::string, std::string>;  // label, task, base model
  std::vector<Key> order;
  std::map<Key, Pool> pools;
  std::map<Key, std::vector<std::string>> category_order;
  std::map<Key, std::map<std::string, Pool>> categories;
  for (const SampleRecord* r : run.ok_records()) {
    if (run.kind_of(*r) != TaskKind::kKld) continue;
    const Key key{r->config, r->task_name, r->base_model.value_or("")};
    if (!pools.count(key)) order.push_back(key);
    pools[key].add(*r);
    if (r->category) {
      const std::string& name = *r->category;
      if (!categories[key].count(name)) category_order[key].push_back(name);
      categories[key][name].add(*r);
    }
  }
  KldSummary out;
  out.thresholds = harm;
  for (const Key& key : order) {
    const Pool& p = pools.at(key);
    if (p.docs == 0) continue;
    KldRow row;
    row.config = std::get<0>(key);
    row.task_name = std::get<1>(key);
    row.base_model = std::get<2>(key);
    row.n_docs = p.docs;
    row.n_tokens = p.tokens;
    row.kld_mean = finite_or_unset(p.kld_mean());
    row.kld_stderr = finite_or_unset(p.kld_stderr());
    row.same_top = finite_or_unset(p.same_top());
    const double ratio = std::exp(p.ln_ppl / p.tokens);
    row.ppl_ratio = finite_or_unset(ratio);
    row.ppl_delta_pct = finite_or_unset(100 * (ratio - 1));
    row.percentiles = {finite_or_unset(p.p50 / p.tokens), finite_or_unset(p.p90 / p.tokens),
                       finite_or_unset(p.p95 / p.tokens), finite_or_unset(p.p99 / p.tokens), finite_or_unset(p.max)};
    std::vector<std::pair<double, std::string>> by_kld;
    for (const std::string& name : category_order[key]) {
      const Pool& c = categories[key].at(name);
      if (c.docs == 0) continue;
      const bool over = c.kld_mean() > harm.max_category_kld;
      row.categories.push_back(
          {name, c.docs, c.tokens, finite_or_unset(c.kld_mean()), finite_or_unset(c.same_top()), over});
      if (over) row.flagged.push_back(name);
      by_kld.push_back({c.kld_mean(), name});
    }
    std::stable_sort(by_kld.begin(), by_kld.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (size_t i = 0; i < by_kld.size() && i < 3; ++i) row.most_harmed.push_back(by_kld[i].second);
    row.checks = {std::fabs(100 * (ratio - 1)) <= harm.max_ppl_delta_pct, p.same_top() >= harm.min_same_top,
                  row.flagged.empty()};
    out.rows.push_back(std::move(row));
  }
  return out;
}

}  // namespace qualm::analysis
