#pragma once
// How a candidate's Δ against its baseline on one (task, metric) reads, declared once for the
// verdict's sentences (section_verdict.cc) and the forest plot (html_forest.cc).

#include <optional>

#include "analysis/compare.h"

namespace qualm::report {

enum class Finding { kEquivalent, kWorse, kBetter, kInconclusive };

// From a quantization_impact task row (its metric and Δ's CI): equivalent when
// the 95 % CI lies inside ±margin; worse or better when it excludes 0 on that side beyond it;
// inconclusive otherwise. nullopt for metrics without a bounded 0-1 or -1-1 scale (perplexity,
// KLD, counts: the harm thresholds judge them) and for rows without a CI.
std::optional<Finding> judge(const analysis::DeltaRow& row, double margin);

const char* finding_name(Finding f);  // "equivalent", "worse", "better", "inconclusive"

}  // namespace qualm::report
