#pragma once
// Sections for quantization impact (compare.md and report.md's section), sampling variance,
// side-by-side examples and quality gates, added to a Doc (report/doc.h) as a "## ..." heading
// with tables like TR124's; the Doc renders to report.md and report.html, or compare.md.
// Each builds from the JSON its analysis wrote and adds a one-line note when the data is
// absent, so `qualm report` can re-render them from summary.json alone.

#include <nlohmann/json.hpp>
#include <span>
#include <vector>

#include "analysis/compare.h"
#include "analysis/examples.h"
#include "analysis/gates.h"
#include "analysis/variance.h"
#include "report/doc.h"

namespace qualm::report {

// compare.md: a title, one section per pair (overall and per-task deltas), the unpaired
// labels, and the gates when compare["gates"] holds evaluate_gates' results.
void add_compare_section(Doc& doc, const nlohmann::json& compare);

// "## Quantization impact" from summary["quantization_impact"] (analysis/compare.h).
void add_quantization_section(Doc& doc, const analysis::QuantizationImpact& impact);

// "## Sampling variance" from summary["sampling_variance"] (analysis/variance.h).
void add_variance_section(Doc& doc, const analysis::SamplingVariance& variance);

// "## Output examples" from summary["examples"] (analysis/examples.h); long texts are cut.
void add_examples_section(Doc& doc, const std::vector<analysis::OutputExample>& examples);

// "## Quality gates" from evaluate_gates' rows (analysis/gates.h).
void add_gates_section(Doc& doc, std::span<const analysis::GateResult> gate_results);

}  // namespace qualm::report
