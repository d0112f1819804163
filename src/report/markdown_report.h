#pragma once
// report.md (SPEC S7): tables like TR124's, rendered from summary.json and manifest.json
// (never recomputed here), one section per analysis.

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>

namespace qualm::report {

std::string render_markdown_report(const nlohmann::json& summary, const nlohmann::json& manifest);

// The sections this file renders; the others live beside their analyses' renderers.
void write_composite_markdown(std::ostream& out, const nlohmann::json& summary);
void write_tasks_markdown(std::ostream& out, const nlohmann::json& summary);
void write_benchmarks_markdown(std::ostream& out, const nlohmann::json& summary);
void write_rankings_markdown(std::ostream& out, const nlohmann::json& summary);
void write_equivalence_markdown(std::ostream& out, const nlohmann::json& summary);
void write_invariants_markdown(std::ostream& out, const nlohmann::json& summary);
void write_power_markdown(std::ostream& out, const nlohmann::json& summary);

// A number for a table: 4 significant decimals, "—" for null.
std::string md_num(const nlohmann::json& value, int decimals = 4);
// A p-value: 4 decimals, "<0.0001" below.
std::string md_p(const nlohmann::json& value);
// Text for a table cell: pipes escaped, newlines folded, cut to max_chars.
// "model/variant/backend" of a row with those fields.
std::string md_label(const nlohmann::json& row);

std::string md_cell(const std::string& text, size_t max_chars = 160);

}  // namespace qualm::report
