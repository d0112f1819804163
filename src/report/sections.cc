#include "report/sections.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "analysis/json_fields.h"
#include "core/utf8.h"
#include "records/config_key.h"

namespace qualm::report {

using nlohmann::json;

std::string fmt_num(const json& v, int decimals) {
  if (!v.is_number()) return "—";
  const double x = v.get<double>();
  if (!std::isfinite(x)) return "—";
  char buf[64];
  if (x != 0 && (std::fabs(x) >= 1e6 || std::fabs(x) < std::pow(10.0, -decimals)))
    std::snprintf(buf, sizeof buf, "%.3e", x);
  else
    std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
  return buf;
}

std::string fmt_p(const json& v) {
  if (!v.is_number()) return "—";
  const double p = v.get<double>();
  if (!std::isfinite(p)) return "—";
  if (p < 1e-4) return "<0.0001";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", p);
  return buf;
}

std::string fmt_cell(const std::string& text, size_t max_chars) {
  std::string out;
  for (const char c : utf8_truncate(text, max_chars)) {
    if (c == '\n' || c == '\r' || c == '\t')
      out += ' ';
    else
      out += c;
  }
  return out;
}

std::string fmt_label(const json& row) { return config_of(row).str(); }

namespace {

// A typed figure as fmt_num writes it: "—" where NaN or unset; a p-value as fmt_p writes it.
std::string figure(double x) { return fmt_num(std::isfinite(x) ? json(x) : json()); }
std::string optional_num(const std::optional<double>& x, int decimals = 4) {
  return fmt_num(analysis::json_fields::or_null(x), decimals);
}
std::string optional_p(const std::optional<double>& x) { return fmt_p(analysis::json_fields::or_null(x)); }

// "[low, high]", or "—" without a CI.
std::string interval(double low, double high) {
  if (!std::isfinite(low)) return "—";
  std::string out = "[";  // appended, not "[" + …: GCC 12 warns falsely (-Wrestrict) on that
  return out += figure(low) + ", " + figure(high) + "]";
}

}  // namespace

void add_composite_section(Doc& doc, std::span<const analysis::CompositeRow> rows) {
  doc.heading(2, "Composite quality");
  if (rows.empty()) {
    doc.paragraph("No generation task ran: no composite.");
    return;
  }
  doc.paragraph(
      "The composite is the unweighted mean, over the generation metrics every configuration has, of each "
      "metric's value over the configuration's generate samples; its 95 % CI resamples those samples (2,000 "
      "percentile bootstrap resamples). A rank counts the configurations whose whole CI lies above; overlapping "
      "CIs share a rank (=). Rank by metrics is the rank of the mean of per-metric ranks.");
  std::set<std::string> left_out;
  for (const analysis::CompositeRow& r : rows) left_out.insert(r.metrics_left_out.begin(), r.metrics_left_out.end());
  if (!left_out.empty()) {
    Text& p = doc.paragraph() << "Composite metrics: " << rows[0].composite_metrics.size()
                              << " shared by every configuration; left out because only some "
                              << "configurations have them:";
    for (const std::string& m : left_out) p << " " << m;
    p << ".";
  }
  Table& t = doc.table({"rank:", "model/variant/backend", "composite:", "95% CI",
                        "samples:", "metrics:", "mean metric rank:", "rank by metrics:"});
  for (const analysis::CompositeRow& r : rows) {
    t.row({Text() << r.rank << (r.tied ? "=" : ""), r.config.str(), figure(r.composite.value_or(NAN)),
           interval(r.ci_low.value_or(NAN), r.ci_high.value_or(NAN)), Text() << r.n_samples, Text() << r.n_metrics,
           optional_num(r.mean_metric_rank, 2), fmt_num(r.rank_by_metrics, 1)});
  }
}

void add_tasks_section(Doc& doc, std::span<const AggregateRow> rows) {
  doc.heading(2, "Per-task results");
  if (rows.empty()) {
    doc.paragraph("No records.");
    return;
  }
  doc.paragraph(
      "Mean, standard deviation (n − 1) and 95 % percentile bootstrap CI (10,000 resamples, seeded) of each "
      "metric — aggregate.csv holds the same rows.");
  std::vector<std::string> order;  // tasks in first-appearance order, every label's rows together
  std::map<std::string, std::vector<const AggregateRow*>> by_task;
  for (const AggregateRow& r : rows) {
    const std::string& t = r.task_name;
    if (t.rfind("mmlu_", 0) == 0) continue;  // 57 subjects: the benchmark table pools them as a group
    if (!by_task.count(t)) order.push_back(t);
    by_task[t].push_back(&r);
  }
  for (const std::string& task : order) {
    doc.heading(3, task);
    Table& t = doc.table({"model/variant/backend", "metric", "n:", "mean:", "std:", "95% CI"});
    for (const AggregateRow* r : by_task[task]) {
      t.row({r->config.str(), r->metric, Text() << r->n, figure(r->mean), figure(r->std),
             interval(r->ci_low, r->ci_high)});
    }
  }
}

void add_benchmarks_section(Doc& doc, std::span<const analysis::BenchmarkRow> rows) {
  doc.heading(2, "Benchmarks");
  if (rows.empty()) {
    doc.paragraph("No multiple-choice task ran.");
    return;
  }
  doc.paragraph(
      "Accuracy by log-likelihood (as lm-evaluation-harness), 95 % Wilson CI. MMLU's subjects are pooled into "
      "their group; summary.json has every subject and acc_bytes / acc_token_mean too.");
  Table& t = doc.table({"model/variant/backend", "task", "metric", "accuracy:", "95% Wilson CI", "correct / n:"});
  for (const analysis::BenchmarkRow& r : rows) {
    if (r.group) continue;
    if (r.metric != "acc" && r.metric != "acc_norm") continue;
    t.row({r.config.str(), r.task, r.metric, figure(r.value), interval(r.ci_low, r.ci_high),
           Text() << r.correct << " / " << r.n});
  }
}

void add_rankings_section(Doc& doc, const analysis::Rankings& rk) {
  doc.heading(2, "Rankings and metric agreement");
  if (rk.per_metric.empty()) {
    doc.paragraph("No generation metrics to rank.");
    return;
  }
  Table& ranking = doc.table({"metric", "direction", "ranking (best first)"});
  for (const auto& [metric, m] : rk.per_metric) {
    std::string order;
    for (const analysis::MetricRankRow& r : m.rows)
      order += (order.empty() ? "" : ", ") + r.config.str() + " (" + figure(r.value) + ")";
    ranking.row({metric, m.higher_is_better ? "higher is better" : "lower is better", fmt_cell(order, 400)});
  }
  if (!rk.agreement.empty()) {
    doc.paragraph() << "Agreement between metric rankings (" << analysis::kAgreementNote << "):";
    Table& t = doc.table({"metric A", "metric B", "n:", "Spearman ρ:", "p:", "Kendall τ-b:", "p:"});
    for (const analysis::MetricAgreement& a : rk.agreement) {
      t.row({a.metric_a, a.metric_b, Text() << a.n, optional_num(a.spearman, 3), optional_p(a.spearman_p),
             optional_num(a.kendall_tau, 3), optional_p(a.kendall_p)});
    }
  }
  for (const auto& [field, rows] :
       {std::pair{"model", &rk.by_model}, std::pair{"variant", &rk.by_variant}, std::pair{"backend", &rk.by_backend}}) {
    if (rows->size() < 2) continue;
    Text& p = doc.paragraph() << "By " << field << " (mean composite over its configurations): ";
    for (const analysis::GroupRank& r : *rows) p << r.rank << ". " << r.name << " " << figure(r.mean_composite) << "  ";
  }
  if (!rk.by_task.empty()) {
    Table& t = doc.table({"task", "best configuration", "task composite:"});
    for (const analysis::TaskRanking& row : rk.by_task) {
      t.row({row.task_name, row.best, row.rows.empty() ? std::string("—") : figure(row.rows[0].task_composite)});
    }
  }
}

void add_equivalence_section(Doc& doc, const analysis::BackendEquivalence& e) {
  doc.heading(2, "Backend equivalence");
  if (!analysis::compared(e)) {
    doc.paragraph() << analysis::equivalence_note(e) << ".";
    return;
  }
  Text& blocks = doc.paragraph("Complete blocks (model/variant on every backend): ");
  for (const std::string& b : e.complete_blocks) blocks << b << " ";
  doc.paragraph() << analysis::equivalence_note(e) << ".";
  std::vector<std::string> columns = {"metric", "ANOVA F:", "p:", "significant"};
  for (const std::string& b : e.backends) columns.push_back("mean " + b + ":");
  Table& anova = doc.table(columns);
  for (const analysis::EquivalenceMetric& m : e.metrics) {
    std::vector<Text> row = {m.metric, m.anova ? optional_num(m.anova->f, 3) : "—",
                             m.anova ? optional_p(m.anova->p) : "—", m.significant ? "yes" : "no"};
    for (const std::string& b : e.backends) {
      const auto mean = m.mean.find(b);
      row.push_back(optional_num(mean != m.mean.end() ? mean->second : std::nullopt));
    }
    anova.row(std::move(row));
  }
  Table& pairs = doc.table({"metric", "A vs B", "t:", "p (Holm):", "Cohen's d", "paired n:", "mean diff:", "paired p:",
                            "Wilcoxon p:", "TOST p:", "equivalent", "min detectable diff:"});
  for (const analysis::EquivalencePair& p : e.pairs) {
    const analysis::PairedTests& pr = p.paired;
    pairs.row({p.metric, p.backend_a + " vs " + p.backend_b, optional_num(p.t, 3), optional_p(p.p_holm),
               optional_num(p.cohens_d, 3) + " (" + p.magnitude + ")", Text() << pr.n, optional_num(pr.mean_diff),
               optional_p(pr.p), optional_p(pr.wilcoxon_p), optional_p(pr.tost_p), pr.equivalent ? "yes" : "no",
               optional_num(pr.mde)});
  }
  if (e.accuracy.empty()) return;
  doc.paragraph() << "Benchmark answers on the same items (McNemar exact test on acc), and how far the per-choice "
                     "log-likelihoods are apart against the engines' own packing noise (manifest "
                  << code("noise_floor") << "):";
  Table& t = doc.table({"A vs B", "items:", "acc A:", "acc B:", "only A right:", "only B right:", "McNemar p:",
                        "differing answers:", "max |ΔLL|:", "packing noise:", "within noise"});
  for (const analysis::AccuracyPair& a : e.accuracy) {
    const std::optional<analysis::LoglikelihoodDelta>& d = a.loglikelihood_delta;
    t.row({a.backend_a + " vs " + a.backend_b, Text() << a.n, fmt_num(a.acc_a), fmt_num(a.acc_b),
           Text() << a.a_only_correct, Text() << a.b_only_correct, optional_p(a.mcnemar_p),
           Text() << a.differing_answers, d ? fmt_num(d->max_abs_dll, 6) : "—",
           d ? optional_num(d->noise_floor, 6) : "—",
           d && d->within_noise ? (*d->within_noise ? "yes: not evidence of a difference" : "no") : "—"});
  }
}

void add_power_section(Doc& doc, const analysis::PowerAnalysis& p) {
  doc.heading(2, "What this run can detect");
  if (p.rows.empty()) {
    doc.paragraph("No metric with two or more samples per configuration.");
    return;
  }
  doc.paragraph() << "Smallest difference between two configurations a two-sided t-test detects at this n (alpha "
                     "0.05, 80 % power), and the samples per configuration needed to detect "
                  << figure(p.detect_difference)
                  << " (analysis: detect_difference). Differences smaller than the first column are not evidence "
                     "either way.";
  Table& t = doc.table({"task", "metric", "n:", "sd:", "95% CI ±:", "min detectable difference:", "n needed:"});
  for (const analysis::PowerRow& r : p.rows) {
    if (r.task_name.rfind("mmlu_", 0) == 0) continue;
    t.row({r.task_name, r.metric, Text() << r.n, optional_num(r.sd), optional_num(r.ci_half_width),
           optional_num(r.min_detectable_difference), optional_num(r.n_needed, 0)});
  }
  if (!p.left_out.empty()) {
    Text& note = doc.paragraph("Left out, having no bounded 0-1 scale on which a fixed difference means something:");
    for (const std::string& m : p.left_out) note << " " << m;
    note << ".";
  }
}

void add_invariants_section(Doc& doc, std::span<const analysis::Invariant> invariants) {
  doc.heading(2, "Measurement invariants");
  Table& t = doc.table({"invariant", "status", "detail"});
  for (const analysis::Invariant& i : invariants) t.row({i.name, i.status, fmt_cell(i.detail)});
}

}  // namespace qualm::report
