#pragma once
// report.html's forest plot: each candidate's Δ against its baseline per (task, metric) with
// its 95 % CI whisker, the ±tost_margin band and 0 drawn, the axis zoomed to the data; each
// point colored by what it means (report/verdict_rule.h). From summary.json's
// quantization_impact; a note where no candidate has a baseline.

#include <string>

#include "analysis/summary.h"

namespace qualm::report {

std::string forest_chart(const analysis::Summary& summary);

}  // namespace qualm::report
