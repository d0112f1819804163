#pragma once
// report.html (SPEC S7): one self-contained page (inline CSS and SVG, no script, nothing
// fetched): the report Doc's title and opening paragraphs, its verdict with the forest plot, the
// charts drawn from the summary, then its other sections: the same Doc report.md renders, never
// report.md itself. Reports render what the run stored; nothing is recomputed here.

#include <nlohmann/json.hpp>
#include <string>

#include "analysis/summary.h"
#include "report/doc.h"

namespace qualm::report {

// The page: the Doc's title and intro (or, without an opening paragraph before its first "## "
// heading, a table of the manifest's facts), its verdict section with the forest plot
// (html_forest.h), a navigation bar, the flip matrices (html_flips.h) and the charts of
// html_charts.h, then the Doc's other sections. Any field may be missing; strings are escaped.
std::string render_html_report(const analysis::Summary& summary, const nlohmann::json& manifest, const Doc& doc);

}  // namespace qualm::report
