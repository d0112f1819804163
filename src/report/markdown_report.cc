#include "report/markdown_report.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/utf8.h"
#include "records/config_key.h"

namespace qualm::report {

using nlohmann::json;

std::string md_num(const json& v, int decimals) {
  if (!v.is_number()) return "—";
  const double x = v.get<double>();
  if (!std::isfinite(x)) return "—";
  char buf[64];
  if (x != 0 && (std::fabs(x) >= 1e6 || std::fabs(x) < std::pow(10.0, -decimals))) std::snprintf(buf, sizeof buf, "%.3e", x);
  else std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
  return buf;
}

std::string md_p(const json& v) {
  if (!v.is_number()) return "—";
  const double p = v.get<double>();
  if (!std::isfinite(p)) return "—";
  if (p < 1e-4) return "<0.0001";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", p);
  return buf;
}

std::string md_cell(const std::string& text, size_t max_chars) {
  std::string out;
  for (const char c : utf8_truncate(text, max_chars)) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r' || c == '\t') out += ' ';
    else out += c;
  }
  return out;
}

std::string md_label(const json& row) {
  return config_of(row).str();
}

namespace {

std::string ci(const json& row, const char* low = "ci_low", const char* high = "ci_high") {
  if (!row.contains(low) || !row[low].is_number()) return "—";
  return "[" + md_num(row[low]) + ", " + md_num(row[high]) + "]";
}

}  // namespace

void write_composite_markdown(std::ostream& out, const json& s) {
  out << "## Composite quality\n\n";
  const json& rows = s.value("composite", json::array());
  if (rows.empty()) {
    out << "No generation task ran: no composite.\n\n";
    return;
  }
  out << "The composite is the unweighted mean, over the generation metrics every configuration has, of each "
         "metric's value over the configuration's generate samples; its 95 % CI resamples those samples (2,000 "
         "percentile bootstrap resamples). A rank counts the configurations whose whole CI lies above; overlapping "
         "CIs share a rank (=). Rank by metrics is the rank of the mean of per-metric ranks.\n\n";
  const json& used = rows[0].value("composite_metrics", json::array());
  std::set<std::string> left_out;
  for (const json& r : rows) {
    for (const json& m : r.value("metrics_left_out", json::array())) left_out.insert(m.get<std::string>());
  }
  if (!left_out.empty()) {
    out << "Composite metrics: " << used.size() << " shared by every configuration; left out because only some "
        << "configurations have them:";
    for (const std::string& m : left_out) out << " " << m;
    out << ".\n\n";
  }
  out << "| rank | model/variant/backend | composite | 95% CI | samples | metrics | mean metric rank | rank by metrics |\n";
  out << "|---:|---|---:|---|---:|---:|---:|---:|\n";
  for (const json& r : rows) {
    out << "| " << r.value("rank", 0) << (r.value("tied", false) ? "=" : "") << " | " << md_label(r) << " | " << md_num(r["composite"]) << " | " << ci(r) << " | "
        << r.value("n_samples", 0) << " | " << r.value("n_metrics", 0) << " | " << md_num(r.value("mean_metric_rank", json()), 2)
        << " | " << md_num(r.value("rank_by_metrics", json()), 1) << " |\n";
  }
  out << "\n";
}

void write_tasks_markdown(std::ostream& out, const json& s) {
  out << "## Per-task results\n\n";
  const json& rows = s.value("tasks", json::array());
  if (rows.empty()) {
    out << "No records.\n\n";
    return;
  }
  out << "Mean, standard deviation (n − 1) and 95 % percentile bootstrap CI (10,000 resamples, seeded) of each "
         "metric — aggregate.csv holds the same rows.\n\n";
  std::vector<std::string> order;  // tasks in first-appearance order, every label's rows together
  std::map<std::string, std::vector<const json*>> by_task;
  for (const json& r : rows) {
    const std::string t = r.value("task_name", "");
    if (t.rfind("mmlu_", 0) == 0) continue;  // 57 subjects: the benchmark table pools them as a group
    if (!by_task.count(t)) order.push_back(t);
    by_task[t].push_back(&r);
  }
  for (const std::string& task : order) {
    out << "### " << task << "\n\n| model/variant/backend | metric | n | mean | std | 95% CI |\n|---|---|---:|---:|---:|---|\n";
    for (const json* r : by_task[task]) {
      out << "| " << md_label(*r) << " | " << r->value("metric", "") << " | " << r->value("n", 0) << " | " << md_num((*r)["mean"])
          << " | " << md_num((*r)["std"]) << " | " << ci(*r) << " |\n";
    }
    out << "\n";
  }
}

void write_benchmarks_markdown(std::ostream& out, const json& s) {
  out << "## Benchmarks\n\n";
  const json& rows = s.value("benchmarks", json::array());
  if (rows.empty()) {
    out << "No multiple-choice task ran.\n\n";
    return;
  }
  out << "Accuracy by log-likelihood (as lm-evaluation-harness), 95 % Wilson CI. MMLU's subjects are pooled into "
         "their group; summary.json has every subject and acc_bytes / acc_token_mean too.\n\n";
  out << "| model/variant/backend | task | metric | accuracy | 95% Wilson CI | correct / n |\n|---|---|---|---:|---|---:|\n";
  for (const json& r : rows) {
    if (r.contains("group")) continue;
    if (r.value("metric", "") != "acc" && r.value("metric", "") != "acc_norm") continue;
    out << "| " << md_label(r) << " | " << r.value("task", "") << " | " << r.value("metric", "") << " | " << md_num(r["value"])
        << " | " << ci(r) << " | " << r.value("correct", 0) << " / " << r.value("n", 0) << " |\n";
  }
  out << "\n";
}

void write_rankings_markdown(std::ostream& out, const json& s) {
  out << "## Rankings and metric agreement\n\n";
  const json& rk = s.value("rankings", json::object());
  const json& per_metric = rk.value("per_metric", json::object());
  if (per_metric.empty()) {
    out << "No generation metrics to rank.\n\n";
    return;
  }
  out << "| metric | direction | ranking (best first) |\n|---|---|---|\n";
  for (const auto& [metric, m] : per_metric.items()) {
    std::string order;
    for (const json& r : m["rows"]) order += (order.empty() ? "" : ", ") + md_label(r) + " (" + md_num(r["value"]) + ")";
    out << "| " << metric << " | " << (m.value("higher_is_better", true) ? "higher is better" : "lower is better") << " | "
        << md_cell(order, 400) << " |\n";
  }
  const json& agreement = rk.value("agreement", json::array());
  if (!agreement.empty()) {
    out << "\nAgreement between metric rankings (" << rk.value("agreement_note", "") << "):\n\n";
    out << "| metric A | metric B | n | Spearman ρ | p | Kendall τ-b | p |\n|---|---|---:|---:|---:|---:|---:|\n";
    for (const json& a : agreement) {
      out << "| " << a.value("metric_a", "") << " | " << a.value("metric_b", "") << " | " << a.value("n", 0) << " | "
          << md_num(a["spearman"], 3) << " | " << md_p(a["spearman_p"]) << " | " << md_num(a["kendall_tau"], 3) << " | "
          << md_p(a["kendall_p"]) << " |\n";
    }
  }
  for (const char* field : {"model", "variant", "backend"}) {
    const json& rows = rk.value(std::string("by_") + field, json::array());
    if (rows.size() < 2) continue;
    out << "\nBy " << field << " (mean composite over its configurations): ";
    for (const json& r : rows) out << r.value("rank", 0) << ". " << r.value(field, "") << " " << md_num(r["mean_composite"]) << "  ";
    out << "\n";
  }
  const json& by_task = rk.value("by_task", json::array());
  if (!by_task.empty()) {
    out << "\n| task | best configuration | task composite |\n|---|---|---:|\n";
    for (const json& t : by_task) {
      out << "| " << t.value("task_name", "") << " | " << t.value("best", "") << " | " << md_num(t["rows"][0]["task_composite"])
          << " |\n";
    }
  }
  out << "\n";
}

void write_equivalence_markdown(std::ostream& out, const json& s) {
  out << "## Backend equivalence\n\n";
  const json& e = s.value("backend_equivalence", json::object());
  if (!e.contains("pairs")) {
    out << e.value("note", std::string("not computed")) << ".\n\n";
    return;
  }
  out << "Complete blocks (model/variant on every backend): ";
  for (const json& b : e["complete_blocks"]) out << b.get<std::string>() << " ";
  out << "\n\n" << e.value("note", "") << ".\n\n";
  out << "| metric | ANOVA F | p | significant |";
  for (const json& b : e["backends"]) out << " mean " << b.get<std::string>() << " |";
  out << "\n|---|---:|---:|---|";
  for (size_t i = 0; i < e["backends"].size(); ++i) out << "---:|";
  out << "\n";
  for (const json& m : e["metrics"]) {
    const json& a = m["anova"];
    out << "| " << m.value("metric", "") << " | " << (a.is_object() ? md_num(a["f"], 3) : "—") << " | "
        << (a.is_object() ? md_p(a["p"]) : "—") << " | " << (m.value("significant", false) ? "yes" : "no") << " |";
    for (const json& b : e["backends"]) out << " " << md_num(m["mean"][b.get<std::string>()]) << " |";
    out << "\n";
  }
  out << "\n| metric | A vs B | t | p (Holm) | Cohen's d | paired n | mean diff | paired p | Wilcoxon p | TOST p | "
         "equivalent | min detectable diff |\n|---|---|---:|---:|---|---:|---:|---:|---:|---:|---|---:|\n";
  for (const json& p : e["pairs"]) {
    const json& pr = p["paired"];
    out << "| " << p.value("metric", "") << " | " << p.value("backend_a", "") << " vs " << p.value("backend_b", "") << " | "
        << md_num(p["t"], 3) << " | " << md_p(p.value("p_holm", json())) << " | " << md_num(p["cohens_d"], 3) << " ("
        << p.value("magnitude", "") << ") | " << pr.value("n", 0) << " | " << md_num(pr.value("mean_diff", json())) << " | "
        << md_p(pr.value("p", json())) << " | " << md_p(pr.value("wilcoxon_p", json())) << " | "
        << md_p(pr.value("tost_p", json())) << " | " << (pr.value("equivalent", false) ? "yes" : "no") << " | "
        << md_num(pr.value("mde", json())) << " |\n";
  }
  const json& acc = e.value("accuracy", json::array());
  if (!acc.empty()) {
    out << "\nBenchmark answers on the same items (McNemar exact test on acc), and how far the per-choice "
           "log-likelihoods are apart against the engines' own packing noise (manifest `noise_floor`):\n\n"
           "| A vs B | items | acc A | acc B | only A right | only B right | McNemar p | differing answers | "
           "max \\|ΔLL\\| | packing noise | within noise |\n"
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n";
    for (const json& a : acc) {
      const json& d = a.value("loglikelihood_delta", json());
      const bool has = d.is_object();
      out << "| " << a.value("backend_a", "") << " vs " << a.value("backend_b", "") << " | " << a.value("n", 0) << " | "
          << md_num(a["acc_a"]) << " | " << md_num(a["acc_b"]) << " | " << a.value("a_only_correct", 0) << " | "
          << a.value("b_only_correct", 0) << " | " << md_p(a["mcnemar_p"]) << " | " << a.value("differing_answers", 0)
          << " | " << (has ? md_num(d["max_abs_dll"], 6) : "—") << " | "
          << (has ? md_num(d.value("noise_floor", json()), 6) : "—") << " | "
          << (has && d.value("within_noise", json()).is_boolean()
                  ? (d["within_noise"].get<bool>() ? "yes: not evidence of a difference" : "no")
                  : "—")
          << " |\n";
    }
  }
  out << "\n";
}

void write_power_markdown(std::ostream& out, const json& s) {
  out << "## What this run can detect\n\n";
  const json& p = s.value("power", json::object());
  const json& rows = p.value("rows", json::array());
  if (rows.empty()) {
    out << "No metric with two or more samples per configuration.\n\n";
    return;
  }
  out << "Smallest difference between two configurations a two-sided t-test detects at this n (alpha 0.05, 80 % "
         "power), and the samples per configuration needed to detect " << md_num(p["detect_difference"])
      << " (analysis: detect_difference). Differences smaller than the first column are not evidence either way.\n\n"
      << "| task | metric | n | sd | 95% CI ± | min detectable difference | n needed |\n|---|---|---:|---:|---:|---:|---:|\n";
  for (const json& r : rows) {
    if (r.value("task_name", "").rfind("mmlu_", 0) == 0) continue;
    out << "| " << r.value("task_name", "") << " | " << r.value("metric", "") << " | " << r.value("n", 0) << " | "
        << md_num(r["sd"]) << " | " << md_num(r["ci_half_width"]) << " | " << md_num(r["min_detectable_difference"]) << " | "
        << md_num(r["n_needed"], 0) << " |\n";
  }
  const json& left_out = p.value("left_out", json::array());
  if (!left_out.empty()) {
    out << "\nLeft out, having no bounded 0-1 scale on which a fixed difference means something:";
    for (const json& m : left_out) out << " " << m.get<std::string>();
    out << ".\n";
  }
  out << "\n";
}

void write_invariants_markdown(std::ostream& out, const json& s) {
  out << "## Measurement invariants\n\n| invariant | status | detail |\n|---|---|---|\n";
  for (const json& i : s.value("invariants", json::array())) {
    out << "| " << i.value("name", "") << " | " << i.value("status", "") << " | " << md_cell(i.value("detail", "")) << " |\n";
  }
  out << "\n";
}

}  // namespace qualm::report
