#pragma once
// The "Verdict" section, the first of report.md and report.html: for each candidate
// against its baseline, sentences a reader can act on. Quality per task and metric (Δ with
// its 95 % CI: equivalent inside the ±tost_margin, worse or better where the CI excludes 0,
// inconclusive otherwise), the quantization-harm thresholds' PASS/FAIL, answers that flip
// (with McNemar) and greedy outputs that differ, and error records. Renders from the summary
// alone (quantization_impact, quantization_harm, disagreements, backend_equivalence's
// tost_margin, errors).

#include "analysis/summary.h"
#include "report/doc.h"

namespace qualm::report {

void add_verdict_section(Doc& doc, const analysis::Summary& summary);

}  // namespace qualm::report
