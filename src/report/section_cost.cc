#include "report/section_cost.h"

#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>

#include "analysis/json_fields.h"
#include "analysis/kld_summary.h"
#include "analysis/router.h"
#include "analysis/scaling.h"

namespace qualm::report {

using analysis::json_fields::or_null;
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

}  // namespace

void add_pareto_section(Doc& doc, const analysis::ParetoFrontier& p) {
  doc.heading(2) << "Quality-cost Pareto frontier";
  if (p.points.empty()) {
    doc.paragraph() << (p.note.empty() ? "not computed for this run" : p.note);
    return;
  }
  Table& t = doc.table(
      {"Model", "Variant", "Backend", "Composite", "$/1M tok", "Quality-adj. cost", "Pareto?", "Dominated by"});
  for (const analysis::ParetoPoint& point : p.points) {
    std::string by;
    for (const std::string& l : point.dominated_by) by += (by.empty() ? "" : ", ") + cell(l);
    t.row({cell(point.config.model), cell(point.config.variant), cell(point.config.backend),
           num(or_null(point.quality)), "$" + num(or_null(point.usd_per_million_tokens)),
           "$" + num(or_null(point.quality_adjusted_cost)), point.on_frontier ? "YES" : "no", by.empty() ? "—" : by});
  }
  doc.paragraph() << p.note;
  if (p.missing_cost && !p.missing_cost->empty()) {
    Text& line = doc.paragraph() << "No cost row for:";
    for (const std::string& l : *p.missing_cost) line << " " << cell(l);
    line << ".";
  }
}

void add_scaling_section(Doc& doc, const analysis::ScalingFit& s) {
  doc.heading(2) << "Quality scaling";
  if (s.fits.empty()) {
    doc.paragraph() << s.note;
    return;
  }
  Table& fits = doc.table({"Variant", "Backend", "n", "a", "b", "b stderr", "p (b = 0)", "R²"});
  for (const analysis::ScalingLine& f : s.fits) {
    fits.row({cell(f.variant), cell(f.backend), std::to_string(f.n), sci(or_null(f.a)), num(or_null(f.b)),
              num(or_null(f.b_stderr)), sci(or_null(f.b_p_value)), num(or_null(f.r2))});
  }
  Table& points = doc.table({"Variant", "Backend", "Model", "Params (M)", "Composite", "Fitted"});
  for (const analysis::ScalingLine& f : s.fits) {
    for (const analysis::ScalingPoint& p : f.points) {
      const json fitted = f.a && f.b ? json(*f.a * std::pow(p.params, *f.b)) : json();
      points.row(
          {cell(f.variant), cell(f.backend), cell(p.model), num(p.params / 1e6, 1), num(p.quality), num(fitted)});
    }
  }
  doc.paragraph() << s.note;
}

void add_router_section(Doc& doc, const analysis::TaskRouter& r) {
  doc.heading(2) << "Task router estimate";
  if (r.tasks.empty()) {
    doc.paragraph() << analysis::router_note(r);
    return;
  }
  Table& t = doc.table({"Task", "Best", "Composite", "n", "Runner-up", "Runner-up composite", "Margin"});
  for (const analysis::RouterTask& task : r.tasks) {
    t.row({cell(task.task_name), cell(task.best.str()), num(task.composite), std::to_string(task.n_samples),
           task.runner_up ? cell(*task.runner_up) : "—", num(or_null(task.runner_up_composite)),
           num(or_null(task.margin))});
  }
  Text& routed = doc.paragraph() << "Routed composite " << num(r.routed_composite);
  if (r.best_single) {
    routed << " vs best single " << cell(*r.best_single) << " " << num(or_null(r.best_single_composite)) << ": gain "
           << num(or_null(r.gain)) << " (" << num(or_null(r.gain_pct), 1) << " %).";
  } else {
    routed << "; no single label covers every task.";
  }
  doc.paragraph() << analysis::router_note(r);
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
               cell(r.base_model), std::to_string(r.n_docs), num(r.n_tokens, 0), num(or_null(r.kld_mean), 5),
               num(or_null(r.kld_stderr), 5), num(or_null(pc.p50), 5), num(or_null(pc.p90), 5), num(or_null(pc.p95), 5),
               num(or_null(pc.p99), 5), num(or_null(pc.max), 5), num(or_null(r.same_top)), num(or_null(r.ppl_ratio), 4),
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
      by_category.row({cell(c.category), std::to_string(c.n_docs), num(c.n_tokens, 0), num(or_null(c.kld_mean), 5),
                       num(or_null(c.same_top)), c.flagged ? "OVER" : "ok"});
    }
    std::string most;
    for (const std::string& m : r.most_harmed) most += (most.empty() ? "" : ", ") + cell(m);
    doc.paragraph() << "Most harmed: " << most << ".";
  }
}

}  // namespace qualm::report
