#include "report/section_compare.h"

#include <cstdio>
#include <string>
#include <vector>

#include "analysis/compare.h"
#include "analysis/json_fields.h"
#include "report/sections.h"

namespace qualm::report {
namespace {

using analysis::json_fields::member;
using analysis::json_fields::or_null;
using nlohmann::json;

constexpr size_t kCellChars = 160;    // example outputs in a table cell
constexpr size_t kPromptChars = 300;  // prompts above a table

std::string fixed(const json& x, int digits = 3) {
  if (!x.is_number()) return "—";
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x.get<double>());
  return buf;
}

std::string signed_fixed(const json& x, int digits, const char* unit = "") {
  if (!x.is_number()) return "—";
  char buf[48];
  std::snprintf(buf, sizeof buf, "%+.*f%s", digits, x.get<double>(), unit);
  return buf;
}

std::string ci(const json& low, const json& high, int digits, const char* unit = "") {
  if (!low.is_number() || !high.is_number()) return "";
  return " [" + signed_fixed(low, digits, unit) + ", " + signed_fixed(high, digits, unit) + "]";
}

std::string share(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100 * x);
  return buf;
}

// A delta table's row: the label cell(s), then N, baseline, candidate, Δ [95% CI] and Δ% [95% CI].
std::vector<Text> delta_row(std::vector<Text> cells, const analysis::DeltaRow& r) {
  cells.insert(
      cells.end(),
      {std::to_string(r.n_paired), fixed(or_null(r.baseline_mean), 4), fixed(or_null(r.candidate_mean), 4),
       signed_fixed(or_null(r.delta), 4) + ci(or_null(r.delta_ci_low), or_null(r.delta_ci_high), 4),
       signed_fixed(or_null(r.delta_pct), 1, "%") +
           ci(or_null(r.delta_pct_ci_low), or_null(r.delta_pct_ci_high), 1, "%") + (r.small_n ? " (n < 20)" : "")});
  return cells;
}

std::string metric_name(const analysis::DeltaRow& r) {
  return r.metric + (r.higher_is_better ? "" : " (lower is better)");
}

void add_summary_table(Doc& doc, const std::vector<analysis::ComparePair>& pairs) {
  Table& t = doc.table(
      {"Baseline", "Candidate", "Paired by", "Samples", "Key-metric avg Δ%", "Composite", "Composite Δ [95% CI]"});
  for (const analysis::ComparePair& p : pairs) {
    const analysis::CompositeDelta& c = p.composite;
    t.row({fmt_cell(p.baseline.str()), fmt_cell(p.candidate.str()), p.paired_by, std::to_string(p.paired),
           signed_fixed(or_null(p.key_metric_avg_delta_pct), 1, "%") + (p.key_metric_small_n ? " (n < 20)" : ""),
           fixed(or_null(c.baseline)) + " → " + fixed(or_null(c.candidate)),
           signed_fixed(or_null(c.delta), 3) + ci(or_null(c.delta_ci_low), or_null(c.delta_ci_high), 3)});
  }
}

// One pair's section under a heading of `level` (2 in compare.md, 3 in report.md).
void add_pair(Doc& doc, const analysis::ComparePair& p, int level) {
  doc.heading(level) << p.candidate.str() << " vs " << p.baseline.str();
  doc.paragraph() << "Paired samples: " << p.paired << "; only in the baseline: " << p.only_baseline
                  << "; only in the candidate: " << p.only_candidate << ".";
  if (!p.overall.empty()) {
    doc.paragraph() << "Generation tasks pooled (TR124 S17.3):";
    Table& t = doc.table({"Metric", "N", "Baseline", "Candidate", "Δ [95% CI]", "Δ% [95% CI]"});
    for (const analysis::DeltaRow& r : p.overall) t.row(delta_row({metric_name(r)}, r));
  }
  if (p.tasks.empty()) {
    doc.paragraph() << "No metric is on both sides.";
    return;
  }
  doc.paragraph() << "Per task:";
  Table& t = doc.table({"Task", "Metric", "N", "Baseline", "Candidate", "Δ [95% CI]", "Δ% [95% CI]"});
  for (const analysis::DeltaRow& r : p.tasks) t.row(delta_row({r.task_name.value_or(""), metric_name(r)}, r));
}

std::vector<analysis::ComparePair> pairs_of(const json& j) {
  std::vector<analysis::ComparePair> out;
  for (const json& p : analysis::json_fields::items(j, "pairs")) {
    out.push_back(p.get<analysis::ComparePair>());
  }
  return out;
}

}  // namespace

void add_compare_section(Doc& doc, const json& compare) {
  const json& b = member(compare, "baseline_run");
  const json& c = member(compare, "candidate_run");
  doc.heading(1) << "Quantization impact: " << c.value("run_id", "") << " vs " << b.value("run_id", "");
  doc.paragraph() << "Baseline run: " << code(b.value("dir", "")) << "; candidate run: " << code(c.value("dir", ""))
                  << ".";
  doc.paragraph() << compare.value("note", "") << " Key metrics (TR124): bertscore, coherence, rouge_l.";
  doc.heading(2) << "Summary";
  const std::vector<analysis::ComparePair> pairs = pairs_of(compare);
  if (pairs.empty()) {
    doc.paragraph() << "No configuration of the candidate run pairs with one of the baseline run.";
  } else {
    add_summary_table(doc, pairs);
    for (const analysis::ComparePair& p : pairs) add_pair(doc, p, 2);
  }
  const json& unpaired = member(compare, "unpaired");
  if (!member(unpaired, "baseline").empty() || !member(unpaired, "candidate").empty()) {
    doc.heading(2) << "Unpaired configurations";
    List& list = doc.list();
    for (const char* side : {"baseline", "candidate"}) {
      for (const json& l : member(unpaired, side))
        list.item(Text() << "only in the " << side << " run: " << fmt_label(l));
    }
  }
  if (compare.contains("gates")) {
    std::vector<analysis::GateResult> gates;
    for (const json& g : analysis::json_fields::items(compare, "gates")) gates.push_back(g.get<analysis::GateResult>());
    add_gates_section(doc, gates);
  }
}

void add_quantization_section(Doc& doc, const analysis::QuantizationImpact& q) {
  doc.heading(2) << "Quantization impact";
  if (q.pairs.empty()) {
    doc.paragraph() << "No quantization comparison: " << (q.note.empty() ? "no data" : q.note) << ".";
    return;
  }
  doc.paragraph() << "Baseline: " << q.baseline_rule << "; " << q.note
                  << ". Key metrics (TR124): bertscore, coherence, rouge_l.";
  add_summary_table(doc, q.pairs);
  for (const analysis::ComparePair& p : q.pairs) add_pair(doc, p, 3);
}

void add_variance_section(Doc& doc, const analysis::SamplingVariance& v) {
  doc.heading(2) << "Sampling variance";
  if (v.cells.empty()) {
    doc.paragraph() << (v.note.empty() ? "No data." : v.note);
    return;
  }
  const analysis::VarianceOverall& o = v.overall;
  doc.paragraph() << v.note;
  doc.table({"Statistic", "Value"})
      .row({"Measurements (sample × metric)", std::to_string(o.n)})
      .row({"Mean CV", fixed(or_null(o.cv.mean_cv), 4)})
      .row({"Median CV", fixed(or_null(o.cv.median_cv), 4)})
      .row({"Max CV", fixed(or_null(o.cv.max_cv), 4)})
      .row({"CV < 5% (very stable)", share(o.cv.below_5pct)})
      .row({"CV < 10% (stable)", share(o.cv.below_10pct)})
      .row({"CV < 20% (moderate)", share(o.cv.below_20pct)});
  Table& cells = doc.table({"Model", "Variant", "Backend", "Task", "Metric", "N", "Mean score", "Mean CV", "Median CV",
                            "CV<5%", "CV<10%", "CV<20%", "Stability"});
  for (const analysis::VarianceCell& c : v.cells) {
    cells.row({fmt_cell(c.config.model), fmt_cell(c.config.variant), fmt_cell(c.config.backend), c.task_name, c.metric,
               std::to_string(c.n_samples), fixed(or_null(c.mean_score)), fixed(or_null(c.cv.mean_cv)),
               fixed(or_null(c.cv.median_cv)), share(c.cv.below_5pct), share(c.cv.below_10pct), share(c.cv.below_20pct),
               c.stability});
  }
  if (v.levene.empty()) {
    doc.paragraph() << "Backend variance equality: no (model, variant, task) ran on two or more backends.";
    return;
  }
  doc.paragraph() << "Backend variance equality (Levene, Brown-Forsythe):";
  Table& t = doc.table(
      {"Model", "Variant", "Task", "Metric", "Backends", "Levene W", "p", "Brown-Forsythe W", "p", "Significant?"});
  for (const analysis::BackendVarianceTest& l : v.levene) {
    std::string backends;
    for (const std::string& b : l.backends) backends += (backends.empty() ? "" : ", ") + b;
    const bool sig = l.brown_forsythe_p && *l.brown_forsythe_p < 0.05;
    t.row({fmt_cell(l.model), fmt_cell(l.variant), l.task_name, l.metric, fmt_cell(backends),
           fixed(or_null(l.levene_w)), fixed(or_null(l.levene_p)), fixed(or_null(l.brown_forsythe_w)),
           fixed(or_null(l.brown_forsythe_p)), sig ? "Yes" : "No"});
  }
}

void add_examples_section(Doc& doc, const std::vector<analysis::OutputExample>& examples) {
  doc.heading(2) << "Output examples";
  if (examples.empty()) {
    doc.paragraph() << "No generation task ran.";
    return;
  }
  doc.paragraph() << "One sample per task, the same for every configuration: the smallest sample_id that all of them "
                     "have (repetition 0).";
  for (const analysis::OutputExample& x : examples) {
    doc.heading(3) << x.task_name << " (sample " << fmt_cell(std::to_string(x.sample_id))
                   << (x.doc_key ? ", " + fmt_cell(*x.doc_key) : std::string()) << ")";
    doc.paragraph() << "Prompt: " << fmt_cell(x.prompt, kPromptChars);
    doc.paragraph() << "Reference: " << fmt_cell(x.reference.value_or(""), kPromptChars);
    Table& t = doc.table({"Model", "Variant", "Backend", "Output (truncated)"});
    for (const analysis::ExampleOutput& o : x.outputs) {
      t.row({fmt_cell(o.config.model), fmt_cell(o.config.variant), fmt_cell(o.config.backend),
             fmt_cell(o.candidate.value_or(""))});
    }
  }
}

void add_gates_section(Doc& doc, std::span<const analysis::GateResult> gate_results) {
  doc.heading(2) << "Quality gates";
  if (gate_results.empty()) {
    doc.paragraph() << "No gates were set.";
    return;
  }
  int failed = 0;
  for (const analysis::GateResult& g : gate_results) failed += g.status != "PASS";
  doc.paragraph() << (failed == 0 ? "All gates pass."
                                  : std::to_string(failed) + " of " + std::to_string(gate_results.size()) +
                                        " gate checks did not pass.");
  Table& t = doc.table({"Gate", "Status", "Configuration", "Actual", "Threshold", "By", "Detail"});
  for (const analysis::GateResult& g : gate_results) {
    const std::string conf =
        g.model && g.variant ? *g.model + "/" + *g.variant + "/" + g.backend.value_or("") : std::string("—");
    t.row({code(fmt_cell(g.gate, kCellChars)), g.status, fmt_cell(conf, kCellChars), fixed(or_null(g.actual), 4),
           fixed(or_null(g.threshold), 4), signed_fixed(or_null(g.by), 4), fmt_cell(g.detail, 400)});
  }
}

}  // namespace qualm::report
