#pragma once
// Report sections (report.md and report.html) for summary["pareto"], ["scaling_fit"],
// ["task_router"] and ["kld"], added to a Doc (report/doc.h): tables like TR124's, or one
// paragraph saying why a section is empty.

#include <nlohmann/json.hpp>

#include "analysis/kld_summary.h"
#include "analysis/pareto.h"
#include "analysis/router.h"
#include "analysis/scaling.h"
#include "report/doc.h"

namespace qualm::report {

void add_pareto_section(Doc& doc, const analysis::ParetoFrontier& pareto);
void add_scaling_section(Doc& doc, const analysis::ScalingFit& scaling);
void add_router_section(Doc& doc, const analysis::TaskRouter& router);
void add_kld_section(Doc& doc, const analysis::KldSummary& kld);

}  // namespace qualm::report
