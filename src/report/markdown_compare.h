#pragma once
// Markdown for quantization impact (compare.md and report.md's section), sampling variance,
// side-by-side examples and quality gates: "## ..." sections with pipe tables like TR124's.
// Each renders from the JSON its analysis wrote and prints a one-line note when the data is
// absent, so `qualm report` can re-render them from summary.json alone.

#include <nlohmann/json.hpp>

#include <ostream>

namespace qualm {

// compare.md: a title, one section per pair (overall and per-task deltas), the unpaired
// labels, and the gates when compare["gates"] holds evaluate_gates' results.
void write_compare_markdown(std::ostream& out, const nlohmann::json& compare);

// "## Quantization impact" from summary["quantization_impact"] (analysis/compare.h).
void write_quantization_markdown(std::ostream& out, const nlohmann::json& summary);

// "## Sampling variance" from summary["sampling_variance"] (analysis/variance.h).
void write_variance_markdown(std::ostream& out, const nlohmann::json& summary);

// "## Output examples" from summary["examples"] (analysis/examples.h); long texts are cut.
void write_examples_markdown(std::ostream& out, const nlohmann::json& summary);

// "## Quality gates" from evaluate_gates' rows (analysis/gates.h).
void write_gates_markdown(std::ostream& out, const nlohmann::json& gate_results);

}  // namespace qualm
