#include "report/sections.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

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

std::string ci(const json& row, const char* low = "ci_low", const char* high = "ci_high") {
  if (!row.contains(low) || !row[low].is_number()) return "—";
  std::string out = "[";  // appended, not "[" + …: GCC 12 warns falsely (-Wrestrict) on that
  return out += fmt_num(row[low]) + ", " + fmt_num(row[high]) + "]";
}

// A typed figure as fmt_num writes it: "—" where NaN.
std::string figure(double x) { return fmt_num(std::isfinite(x) ? json(x) : json()); }

// "[low, high]", or "—" without a CI.
std::string interval(double low, double high) {
  if (!std::isfinite(low)) return "—";
  std::string out = "[";
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
           fmt_num(r.mean_metric_rank ? json(*r.mean_metric_rank) : json(), 2), fmt_num(r.rank_by_metrics, 1)});
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

void add_rankings_section(Doc& doc, const json& s) {
  doc.heading(2, "Rankings and metric agreement");
  const json& rk = s.value("rankings", json::object());
  const json& per_metric = rk.value("per_metric", json::object());
  if (per_metric.empty()) {
    doc.paragraph("No generation metrics to rank.");
    return;
  }
  Table& ranking = doc.table({"metric", "direction", "ranking (best first)"});
  for (const auto& [metric, m] : per_metric.items()) {
    std::string order;
    for (const json& r : m["rows"])
      order += (order.empty() ? "" : ", ") + fmt_label(r) + " (" + fmt_num(r["value"]) + ")";
    ranking.row(
        {metric, m.value("higher_is_better", true) ? "higher is better" : "lower is better", fmt_cell(order, 400)});
  }
  const json& agreement = rk.value("agreement", json::array());
  if (!agreement.empty()) {
    doc.paragraph() << "Agreement between metric rankings (" << rk.value("agreement_note", "") << "):";
    Table& t = doc.table({"metric A", "metric B", "n:", "Spearman ρ:", "p:", "Kendall τ-b:", "p:"});
    for (const json& a : agreement) {
      t.row({a.value("metric_a", ""), a.value("metric_b", ""), Text() << a.value("n", 0), fmt_num(a["spearman"], 3),
             fmt_p(a["spearman_p"]), fmt_num(a["kendall_tau"], 3), fmt_p(a["kendall_p"])});
    }
  }
  for (const char* field : {"model", "variant", "backend"}) {
    const json& rows = rk.value(std::string("by_") + field, json::array());
    if (rows.size() < 2) continue;
    Text& p = doc.paragraph() << "By " << field << " (mean composite over its configurations): ";
    for (const json& r : rows) {
      p << r.value("rank", 0) << ". " << r.value(field, "") << " " << fmt_num(r["mean_composite"]) << "  ";
    }
  }
  const json& by_task = rk.value("by_task", json::array());
  if (!by_task.empty()) {
    Table& t = doc.table({"task", "best configuration", "task composite:"});
    for (const json& row : by_task) {
      t.row({row.value("task_name", ""), row.value("best", ""), fmt_num(row["rows"][0]["task_composite"])});
    }
  }
}

void add_equivalence_section(Doc& doc, const json& s) {
  doc.heading(2, "Backend equivalence");
  const json& e = s.value("backend_equivalence", json::object());
  if (!e.contains("pairs")) {
    doc.paragraph() << e.value("note", std::string("not computed")) << ".";
    return;
  }
  Text& blocks = doc.paragraph("Complete blocks (model/variant on every backend): ");
  for (const json& b : e["complete_blocks"]) blocks << b.get<std::string>() << " ";
  doc.paragraph() << e.value("note", "") << ".";
  std::vector<std::string> columns = {"metric", "ANOVA F:", "p:", "significant"};
  for (const json& b : e["backends"]) columns.push_back("mean " + b.get<std::string>() + ":");
  Table& anova = doc.table(columns);
  for (const json& m : e["metrics"]) {
    const json& a = m["anova"];
    std::vector<Text> row = {m.value("metric", ""), a.is_object() ? fmt_num(a["f"], 3) : "—",
                             a.is_object() ? fmt_p(a["p"]) : "—", m.value("significant", false) ? "yes" : "no"};
    for (const json& b : e["backends"]) row.push_back(fmt_num(m["mean"][b.get<std::string>()]));
    anova.row(std::move(row));
  }
  Table& pairs = doc.table({"metric", "A vs B", "t:", "p (Holm):", "Cohen's d", "paired n:", "mean diff:", "paired p:",
                            "Wilcoxon p:", "TOST p:", "equivalent", "min detectable diff:"});
  for (const json& p : e["pairs"]) {
    const json& pr = p["paired"];
    pairs.row({p.value("metric", ""), p.value("backend_a", "") + " vs " + p.value("backend_b", ""), fmt_num(p["t"], 3),
               fmt_p(p.value("p_holm", json())), fmt_num(p["cohens_d"], 3) + " (" + p.value("magnitude", "") + ")",
               Text() << pr.value("n", 0), fmt_num(pr.value("mean_diff", json())), fmt_p(pr.value("p", json())),
               fmt_p(pr.value("wilcoxon_p", json())), fmt_p(pr.value("tost_p", json())),
               pr.value("equivalent", false) ? "yes" : "no", fmt_num(pr.value("mde", json()))});
  }
  const json& acc = e.value("accuracy", json::array());
  if (acc.empty()) return;
  doc.paragraph() << "Benchmark answers on the same items (McNemar exact test on acc), and how far the per-choice "
                     "log-likelihoods are apart against the engines' own packing noise (manifest "
                  << code("noise_floor") << "):";
  Table& t = doc.table({"A vs B", "items:", "acc A:", "acc B:", "only A right:", "only B right:", "McNemar p:",
                        "differing answers:", "max |ΔLL|:", "packing noise:", "within noise"});
  for (const json& a : acc) {
    const json& d = a.value("loglikelihood_delta", json());
    const bool has = d.is_object();
    t.row({a.value("backend_a", "") + " vs " + a.value("backend_b", ""), Text() << a.value("n", 0), fmt_num(a["acc_a"]),
           fmt_num(a["acc_b"]), Text() << a.value("a_only_correct", 0), Text() << a.value("b_only_correct", 0),
           fmt_p(a["mcnemar_p"]), Text() << a.value("differing_answers", 0), has ? fmt_num(d["max_abs_dll"], 6) : "—",
           has ? fmt_num(d.value("noise_floor", json()), 6) : "—",
           has && d.value("within_noise", json()).is_boolean()
               ? (d["within_noise"].get<bool>() ? "yes: not evidence of a difference" : "no")
               : "—"});
  }
}

void add_power_section(Doc& doc, const json& s) {
  doc.heading(2, "What this run can detect");
  const json& p = s.value("power", json::object());
  const json& rows = p.value("rows", json::array());
  if (rows.empty()) {
    doc.paragraph("No metric with two or more samples per configuration.");
    return;
  }
  doc.paragraph() << "Smallest difference between two configurations a two-sided t-test detects at this n (alpha "
                     "0.05, 80 % power), and the samples per configuration needed to detect "
                  << fmt_num(p["detect_difference"])
                  << " (analysis: detect_difference). Differences smaller than the first column are not evidence "
                     "either way.";
  Table& t = doc.table({"task", "metric", "n:", "sd:", "95% CI ±:", "min detectable difference:", "n needed:"});
  for (const json& r : rows) {
    if (r.value("task_name", "").rfind("mmlu_", 0) == 0) continue;
    t.row({r.value("task_name", ""), r.value("metric", ""), Text() << r.value("n", 0), fmt_num(r["sd"]),
           fmt_num(r["ci_half_width"]), fmt_num(r["min_detectable_difference"]), fmt_num(r["n_needed"], 0)});
  }
  const json& left_out = p.value("left_out", json::array());
  if (!left_out.empty()) {
    Text& note = doc.paragraph("Left out, having no bounded 0-1 scale on which a fixed difference means something:");
    for (const json& m : left_out) note << " " << m.get<std::string>();
    note << ".";
  }
}

void add_invariants_section(Doc& doc, const json& s) {
  doc.heading(2, "Measurement invariants");
  Table& t = doc.table({"invariant", "status", "detail"});
  for (const json& i : s.value("invariants", json::array())) {
    t.row({i.value("name", ""), i.value("status", ""), fmt_cell(i.value("detail", ""))});
  }
}

}  // namespace qualm::report
