#include "report/markdown_compare.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "report/markdown_report.h"

namespace qualm {
namespace {

using nlohmann::json;

// The member, or null when absent (const json's operator[] must not see a missing key).
const json& get(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  const auto it = j.find(key);
  return it != j.end() ? *it : kNull;
}

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

std::string share(const json& x) {
  if (!x.is_number()) return "—";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100 * x.get<double>());
  return buf;
}

// A table cell: one line, pipes escaped, cut at `limit` characters.
std::string cell(const json& value, size_t limit = kCellChars) {
  return report::md_cell(value.is_string() ? value.get<std::string>() : value.is_null() ? "" : value.dump(), limit);
}

using report::md_label;

void delta_cells(std::ostream& out, const json& r) {
  out << " | " << r.value("n_paired", 0) << " | " << fixed(get(r, "baseline_mean"), 4) << " | "
      << fixed(get(r, "candidate_mean"), 4) << " | " << signed_fixed(get(r, "delta"), 4)
      << ci(get(r, "delta_ci_low"), get(r, "delta_ci_high"), 4) << " | " << signed_fixed(get(r, "delta_pct"), 1, "%")
      << ci(get(r, "delta_pct_ci_low"), get(r, "delta_pct_ci_high"), 1, "%") << (r.value("small_n", false) ? " (n < 20)" : "")
      << " |\n";
}

void write_summary_table(std::ostream& out, const json& pairs) {
  out << "| Baseline | Candidate | Paired by | Samples | Key-metric avg Δ% | Composite | Composite Δ [95% CI] |\n"
      << "|---|---|---|---|---|---|---|\n";
  for (const json& p : pairs) {
    const json& c = get(p, "composite");
    out << "| " << cell(md_label(get(p, "baseline"))) << " | " << cell(md_label(get(p, "candidate"))) << " | "
        << p.value("paired_by", "") << " | " << get(p, "samples").value("paired", 0) << " | "
        << signed_fixed(get(p, "key_metric_avg_delta_pct"), 1, "%") << (p.value("key_metric_small_n", false) ? " (n < 20)" : "")
        << " | " << fixed(get(c, "baseline")) << " → "
        << fixed(get(c, "candidate")) << " | " << signed_fixed(get(c, "delta"), 3) << ci(get(c, "delta_ci_low"), get(c, "delta_ci_high"), 3)
        << " |\n";
  }
  out << "\n";
}

void write_pair(std::ostream& out, const json& p, const std::string& heading) {
  out << heading << " " << md_label(get(p, "candidate")) << " vs " << md_label(get(p, "baseline")) << "\n\n";
  const json& s = get(p, "samples");
  out << "Paired samples: " << s.value("paired", 0) << "; only in the baseline: " << s.value("only_baseline", 0)
      << "; only in the candidate: " << s.value("only_candidate", 0) << ".\n\n";
  if (!get(p, "overall").empty()) {
    out << "Generation tasks pooled (TR124 S17.3):\n\n"
        << "| Metric | N | Baseline | Candidate | Δ [95% CI] | Δ% [95% CI] |\n|---|---|---|---|---|---|\n";
    for (const json& r : get(p, "overall")) {
      out << "| " << r.value("metric", "") << (r.value("higher_is_better", true) ? "" : " (lower is better)");
      delta_cells(out, r);
    }
    out << "\n";
  }
  if (get(p, "tasks").empty()) {
    out << "No metric is on both sides.\n\n";
    return;
  }
  out << "Per task:\n\n"
      << "| Task | Metric | N | Baseline | Candidate | Δ [95% CI] | Δ% [95% CI] |\n|---|---|---|---|---|---|---|\n";
  for (const json& r : get(p, "tasks")) {
    out << "| " << r.value("task_name", "") << " | " << r.value("metric", "")
        << (r.value("higher_is_better", true) ? "" : " (lower is better)");
    delta_cells(out, r);
  }
  out << "\n";
}

}  // namespace

void write_compare_markdown(std::ostream& out, const json& compare) {
  const json& b = get(compare, "baseline_run");
  const json& c = get(compare, "candidate_run");
  out << "# Quantization impact: " << c.value("run_id", "") << " vs " << b.value("run_id", "") << "\n\n"
      << "Baseline run: `" << b.value("dir", "") << "`; candidate run: `" << c.value("dir", "") << "`.\n\n"
      << compare.value("note", "") << " Key metrics (TR124): bertscore, coherence, rouge_l.\n\n";
  out << "## Summary\n\n";
  if (get(compare, "pairs").empty()) {
    out << "No configuration of the candidate run pairs with one of the baseline run.\n\n";
  } else {
    write_summary_table(out, get(compare, "pairs"));
    for (const json& p : get(compare, "pairs")) write_pair(out, p, "##");
  }
  const json& unpaired = get(compare, "unpaired");
  if (!get(unpaired, "baseline").empty() || !get(unpaired, "candidate").empty()) {
    out << "## Unpaired configurations\n\n";
    for (const char* side : {"baseline", "candidate"}) {
      for (const json& l : get(unpaired, side)) out << "- only in the " << side << " run: " << md_label(l) << "\n";
    }
    out << "\n";
  }
  if (compare.contains("gates")) write_gates_markdown(out, get(compare, "gates"));
}

void write_quantization_markdown(std::ostream& out, const json& summary) {
  out << "## Quantization impact\n\n";
  const json q = summary.value("quantization_impact", json());
  if (!q.is_object() || q.value("pairs", json::array()).empty()) {
    out << "No quantization comparison: " << (q.is_object() ? q.value("note", "no data") : "no data") << ".\n\n";
    return;
  }
  out << "Baseline: " << q.value("baseline_rule", "") << "; " << q.value("note", "")
      << ". Key metrics (TR124): bertscore, coherence, rouge_l.\n\n";
  write_summary_table(out, get(q, "pairs"));
  for (const json& p : get(q, "pairs")) write_pair(out, p, "###");
}

void write_variance_markdown(std::ostream& out, const json& summary) {
  out << "## Sampling variance\n\n";
  const json v = summary.value("sampling_variance", json());
  if (!v.is_object() || v.value("cells", json::array()).empty()) {
    out << (v.is_object() ? v.value("note", "No data.") : std::string("No data.")) << "\n\n";
    return;
  }
  const json& o = get(v, "overall");
  out << v.value("note", "") << "\n\n| Statistic | Value |\n|---|---|\n"
      << "| Measurements (sample × metric) | " << o.value("n", 0) << " |\n"
      << "| Mean CV | " << fixed(get(o, "mean_cv"), 4) << " |\n| Median CV | " << fixed(get(o, "median_cv"), 4) << " |\n"
      << "| Max CV | " << fixed(get(o, "max_cv"), 4) << " |\n| CV < 5% (very stable) | " << share(get(o, "below_5pct")) << " |\n"
      << "| CV < 10% (stable) | " << share(get(o, "below_10pct")) << " |\n| CV < 20% (moderate) | "
      << share(get(o, "below_20pct")) << " |\n\n";
  out << "| Model | Variant | Backend | Task | Metric | N | Mean score | Mean CV | Median CV | CV<5% | CV<10% | CV<20% "
         "| Stability |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const json& c : get(v, "cells")) {
    out << "| " << cell(get(c, "model")) << " | " << cell(get(c, "variant")) << " | " << cell(get(c, "backend")) << " | "
        << c.value("task_name", "") << " | " << c.value("metric", "") << " | " << c.value("n_samples", 0) << " | "
        << fixed(get(c, "mean_score")) << " | " << fixed(get(c, "mean_cv")) << " | " << fixed(get(c, "median_cv")) << " | "
        << share(get(c, "below_5pct")) << " | " << share(get(c, "below_10pct")) << " | " << share(get(c, "below_20pct")) << " | "
        << c.value("stability", "") << " |\n";
  }
  out << "\n";
  if (get(v, "levene").empty()) {
    out << "Backend variance equality: no (model, variant, task) ran on two or more backends.\n\n";
    return;
  }
  out << "Backend variance equality (Levene, Brown-Forsythe):\n\n"
      << "| Model | Variant | Task | Metric | Backends | Levene W | p | Brown-Forsythe W | p | Significant? |\n"
      << "|---|---|---|---|---|---|---|---|---|---|\n";
  for (const json& l : get(v, "levene")) {
    std::string backends;
    for (const json& b : get(l, "backends")) backends += (backends.empty() ? "" : ", ") + b.get<std::string>();
    const bool sig = get(l, "brown_forsythe_p").is_number() && get(l, "brown_forsythe_p").get<double>() < 0.05;
    out << "| " << cell(get(l, "model")) << " | " << cell(get(l, "variant")) << " | " << l.value("task_name", "") << " | "
        << l.value("metric", "") << " | " << cell(backends) << " | " << fixed(get(l, "levene_w")) << " | "
        << fixed(get(l, "levene_p")) << " | " << fixed(get(l, "brown_forsythe_w")) << " | " << fixed(get(l, "brown_forsythe_p"))
        << " | " << (sig ? "Yes" : "No") << " |\n";
  }
  out << "\n";
}

void write_examples_markdown(std::ostream& out, const json& summary) {
  out << "## Output examples\n\n";
  const json e = summary.value("examples", json::array());
  if (!e.is_array() || e.empty()) {
    out << "No generation task ran.\n\n";
    return;
  }
  out << "One sample per task, the same for every configuration: the smallest sample_id that all of them "
         "have (repetition 0).\n\n";
  for (const json& x : e) {
    out << "### " << x.value("task_name", "") << " (sample " << cell(get(x, "sample_id"))
        << (x.contains("doc_key") ? ", " + cell(get(x, "doc_key")) : std::string()) << ")\n\n"
        << "Prompt: " << cell(get(x, "prompt"), kPromptChars) << "\n\nReference: " << cell(get(x, "reference"), kPromptChars)
        << "\n\n| Model | Variant | Backend | Output (truncated) |\n|---|---|---|---|\n";
    for (const json& o : get(x, "outputs")) {
      out << "| " << cell(get(o, "model")) << " | " << cell(get(o, "variant")) << " | " << cell(get(o, "backend")) << " | "
          << cell(get(o, "candidate")) << " |\n";
    }
    out << "\n";
  }
}

void write_gates_markdown(std::ostream& out, const json& gate_results) {
  out << "## Quality gates\n\n";
  if (!gate_results.is_array() || gate_results.empty()) {
    out << "No gates were set.\n\n";
    return;
  }
  int failed = 0;
  for (const json& g : gate_results) failed += g.value("status", "") != "PASS";
  out << (failed == 0 ? "All gates pass." : std::to_string(failed) + " of " + std::to_string(gate_results.size()) +
                                                " gate checks did not pass.")
      << "\n\n| Gate | Status | Configuration | Actual | Threshold | By | Detail |\n|---|---|---|---|---|---|---|\n";
  for (const json& g : gate_results) {
    const std::string conf = get(g, "model").is_string() && get(g, "variant").is_string() ? md_label(g) : std::string("—");
    out << "| `" << cell(get(g, "gate")) << "` | " << g.value("status", "") << " | " << cell(conf) << " | "
        << fixed(get(g, "actual"), 4) << " | " << fixed(get(g, "threshold"), 4) << " | " << signed_fixed(get(g, "by"), 4) << " | "
        << cell(get(g, "detail"), 400) << " |\n";
  }
  out << "\n";
}

}  // namespace qualm
