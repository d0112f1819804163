#pragma once
// report.md and report.html (SPEC S7): tables like TR124's, built as one Doc from
// summary.json and manifest.json (never recomputed here), one section per analysis.

#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "analysis/equivalence.h"
#include "analysis/invariants.h"
#include "analysis/power_analysis.h"
#include "analysis/rankings.h"
#include "analysis/summary.h"
#include "report/doc.h"

namespace qualm::report {

// The whole report: title, opening paragraphs, then a "## " section per analysis, the verdict first.
Doc report_doc(const analysis::Summary& summary, const nlohmann::json& manifest);

// The sections this file renders; the others live beside their analyses' renderers.
void add_composite_section(Doc& doc, std::span<const analysis::CompositeRow> rows);
void add_tasks_section(Doc& doc, std::span<const AggregateRow> tasks);
void add_benchmarks_section(Doc& doc, std::span<const analysis::BenchmarkRow> rows);
void add_rankings_section(Doc& doc, const analysis::Rankings& rankings);
void add_equivalence_section(Doc& doc, const analysis::BackendEquivalence& equivalence);
void add_invariants_section(Doc& doc, std::span<const analysis::Invariant> invariants);
void add_power_section(Doc& doc, const analysis::PowerAnalysis& power);

// A number for a table: 4 significant decimals, "—" for null.
std::string fmt_num(const nlohmann::json& value, int decimals = 4);
// A p-value: 4 decimals, "<0.0001" below.
std::string fmt_p(const nlohmann::json& value);
// "model/variant/backend" of a row with those fields.
std::string fmt_label(const nlohmann::json& row);
// Data text shown in a table cell or a line: cut to max_chars code points, line breaks folded to
// spaces (the Markdown renderer escapes pipes).
std::string fmt_cell(const std::string& text, size_t max_chars = 160);

}  // namespace qualm::report
