#pragma once
// report.html (SPEC S7): one self-contained page (inline CSS and SVG, no script, nothing
// fetched): the report Doc's title and opening paragraphs, its verdict with the forest plot, the
// charts drawn from summary.json, then its other sections: the same Doc report.md renders, never
// report.md itself. Reports render what the run stored; nothing is recomputed here.

#include <nlohmann/json.hpp>
#include <string>

#include "report/doc.h"

namespace qualm::report {

// The page. Besides the forest plot (html_forest.h) and the flip matrices (html_flips.h), charts, each an <svg
// class="chart NAME"> whose data marks carry class "mark" and data-* attributes naming their row:
//   pareto           one circle per summary.pareto.points entry with numeric quality and cost
//   task-bars        one rect per summary.tasks row, panels per (task, metric); mmlu-style
//                    groups (summary.benchmarks[].group) share one wide panel per metric
//   cv-distribution  one circle per numeric value in summary.sampling_variance.cells[].cvs
//   kld-percentiles  one circle per numeric percentile (p50 p90 p95 p99 max) of summary.kld rows
// A chart whose section is absent, null or empty is replaced by <p class="chart-note"
// data-chart="NAME"> saying why. Without an opening paragraph in `doc` (before its first "## "
// heading), a table of the manifest's facts stands in. Any field may be missing; strings are escaped.
std::string render_html_report(const nlohmann::json& summary, const nlohmann::json& manifest, const Doc& doc);

}  // namespace qualm::report
