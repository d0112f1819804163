#include "report/section_cost.h"

#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>

#include "analysis/kld_summary.h"

namespace qualm::report {

using nlohmann::json;

namespace {

// A number with `digits` decimals; "—" for null or a missing key.
std::string num(const json& v, int digits = 3) {
  if (!v.is_number()) return "—";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v.get<double>());
  return buf;
}

// Scientific notation for values that span orders of magnitude (a, p-values).
std::string sci(const json& v) {
  if (!v.is_number()) return "—";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3g", v.get<double>());
  return buf;
}

// Data for a table cell or a line: line breaks folded to spaces (the Markdown renderer escapes pipes in cells).
std::string cell(const json& v) {
  std::string s = v.is_string() ? v.get<std::string>() : v.is_null() ? "—" : v.dump();
  for (char& c : s) {
    if (c == '\n') c = ' ';
  }
  return s;
}

std::string field(const json& obj, const char* key) { return obj.contains(key) ? cell(obj[key]) : "—"; }

json value(const std::optional<double>& x) { return x ? json(*x) : json(); }

// "ok", or the names of the failed checks, in the order summary.json's keys sort.
std::string failed_checks(const analysis::KldChecks& c) {
  std::string failed;
  for (const auto& [name, passed] : {std::pair<const char*, bool>{"categories", c.categories},
                                     {"ppl_delta", c.ppl_delta},
                                     {"same_top", c.same_top}}) {
    if (passed) continue;
    if (!failed.empty()) failed += ", ";
    failed += name;
  }
  return failed.empty() ? "ok" : "FAIL: " + failed;
}

const json* section(const json& summary, const char* key) {
  return summary.contains(key) && summary[key].is_object() ? &summary[key] : nullptr;
}

}  // namespace

void add_pareto_section(Doc& doc, const json& summary) {
  doc.heading(2) << "Quality-cost Pareto frontier";
  const json* s = section(summary, "pareto");
  if (!s || s->value("points", json::array()).empty()) {
    doc.paragraph() << (s ? s->value("note", "no points with both a composite and a cost")
                          : "not computed for this run");
    return;
  }
  Table& t = doc.table(
      {"Model", "Variant", "Backend", "Composite", "$/1M tok", "Quality-adj. cost", "Pareto?", "Dominated by"});
  for (const json& p : (*s)["points"]) {
    std::string by;
    for (const json& l : p.value("dominated_by", json::array())) by += (by.empty() ? "" : ", ") + cell(l);
    t.row({field(p, "model"), field(p, "variant"), field(p, "backend"), num(p.value("quality", json())),
           "$" + num(p.value("usd_per_million_tokens", json())), "$" + num(p.value("quality_adjusted_cost", json())),
           p.value("on_frontier", false) ? "YES" : "no", by.empty() ? "—" : by});
  }
  doc.paragraph() << s->value("note", "");
  const json missing = s->value("missing_cost", json::array());
  if (!missing.empty()) {
    Text& line = doc.paragraph() << "No cost row for:";
    for (const json& l : missing) line << " " << cell(l);
    line << ".";
  }
}

void add_scaling_section(Doc& doc, const json& summary) {
  doc.heading(2) << "Quality scaling";
  const json* s = section(summary, "scaling_fit");
  if (!s || s->value("fits", json::array()).empty()) {
    doc.paragraph() << (s ? s->value("note", "no fit") : "not computed for this run");
    return;
  }
  Table& fits = doc.table({"Variant", "Backend", "n", "a", "b", "b stderr", "p (b = 0)", "R²"});
  for (const json& f : (*s)["fits"]) {
    fits.row({field(f, "variant"), field(f, "backend"), field(f, "n"), sci(f.value("a", json())),
              num(f.value("b", json())), num(f.value("b_stderr", json())), sci(f.value("b_p_value", json())),
              num(f.value("r2", json()))});
  }
  Table& points = doc.table({"Variant", "Backend", "Model", "Params (M)", "Composite", "Fitted"});
  for (const json& f : (*s)["fits"]) {
    const json a = f.value("a", json()), b = f.value("b", json());
    for (const json& p : f.value("points", json::array())) {
      const json params = p.value("params", json());
      const json fitted = a.is_number() && b.is_number() && params.is_number()
                              ? json(a.get<double>() * std::pow(params.get<double>(), b.get<double>()))
                              : json();
      points.row({field(f, "variant"), field(f, "backend"), field(p, "model"),
                  params.is_number() ? num(params.get<double>() / 1e6, 1) : "—", num(p.value("quality", json())),
                  num(fitted)});
    }
  }
  doc.paragraph() << s->value("note", "");
}

void add_router_section(Doc& doc, const json& summary) {
  doc.heading(2) << "Task router estimate";
  const json* s = section(summary, "task_router");
  if (!s || s->value("tasks", json::array()).empty()) {
    doc.paragraph() << (s ? s->value("note", "no tasks") : "not computed for this run");
    return;
  }
  Table& t = doc.table({"Task", "Best", "Composite", "n", "Runner-up", "Runner-up composite", "Margin"});
  for (const json& r : (*s)["tasks"]) {
    t.row({field(r, "task_name"), field(r, "best"), num(r.value("composite", json())), field(r, "n_samples"),
           field(r, "runner_up"), num(r.value("runner_up_composite", json())), num(r.value("margin", json()))});
  }
  Text& routed = doc.paragraph() << "Routed composite " << num(s->value("routed_composite", json()));
  if (s->value("best_single", json()).is_string()) {
    routed << " vs best single " << cell((*s)["best_single"]) << " " << num(s->value("best_single_composite", json()))
           << ": gain " << num(s->value("gain", json())) << " (" << num(s->value("gain_pct", json()), 1) << " %).";
  } else {
    routed << "; no single label covers every task.";
  }
  doc.paragraph() << s->value("note", "");
}

void add_kld_section(Doc& doc, const analysis::KldSummary& k) {
  doc.heading(2) << "KL divergence from the base model";
  if (k.rows.empty()) {
    doc.paragraph() << analysis::kld_note(k);
    return;
  }
  Table& table = doc.table({"Model", "Variant", "Backend", "Task", "Base", "Docs", "Tokens", "Mean KLD", "±", "P50",
                            "P90", "P95", "P99", "Max", "Same top", "PPL ratio", "Checks"});
  for (const analysis::KldRow& r : k.rows) {
    const analysis::KldPercentiles& pc = r.percentiles;
    table.row({cell(r.config.model), cell(r.config.variant), cell(r.config.backend), cell(r.task_name),
               cell(r.base_model), std::to_string(r.n_docs), num(r.n_tokens, 0), num(value(r.kld_mean), 5),
               num(value(r.kld_stderr), 5), num(value(pc.p50), 5), num(value(pc.p90), 5), num(value(pc.p95), 5),
               num(value(pc.p99), 5), num(value(pc.max), 5), num(value(r.same_top)), num(value(r.ppl_ratio), 4),
               failed_checks(r.checks)});
  }
  doc.paragraph() << analysis::kKldPercentilesNote << ".";
  const analysis::HarmThresholds& t = k.thresholds;
  doc.paragraph() << "Checks: |ΔPPL| ≤ " << num(t.max_ppl_delta_pct, 1) << " %, same top ≥ " << num(t.min_same_top, 2)
                  << ", every category's mean KLD ≤ " << num(t.max_category_kld, 3)
                  << "; the column names those missed.";
  for (const analysis::KldRow& r : k.rows) {
    if (r.categories.empty()) continue;
    doc.heading(3) << cell(r.config.model) << "/" << cell(r.config.variant) << "/" << cell(r.config.backend) << " on "
                   << cell(r.task_name) << ": by category (flag: mean KLD > " << num(t.max_category_kld, 3) << ")";
    Table& by_category = doc.table({"Category", "Docs", "Tokens", "Mean KLD", "Same top", "Flag"});
    for (const analysis::KldCategory& c : r.categories) {
      by_category.row({cell(c.category), std::to_string(c.n_docs), num(c.n_tokens, 0), num(value(c.kld_mean), 5),
                       num(value(c.same_top)), c.flagged ? "OVER" : "ok"});
    }
    std::string most;
    for (const std::string& m : r.most_harmed) most += (most.empty() ? "" : ", ") + cell(m);
    doc.paragraph() << "Most harmed: " << most << ".";
  }
}

}  // namespace qualm::report
