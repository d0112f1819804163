#pragma once
// Every artifact computed from a run's records: aggregate.csv, summary.json, report.md and
// report.html. `qualm run` writes them when the run ends and `qualm report` rewrites them.

#include <string>
#include <vector>

#include "analysis/run_data.h"
#include "analysis/summary.h"

namespace qualm::report {

// Writes the four files into run.dir (atomically) and returns the summary. Gates are the
// experiment's (run.gates) followed by extra_gates (--gate); their results are summary.gates.
analysis::Summary write_run_reports(const analysis::RunData& run, const std::vector<std::string>& extra_gates);

}  // namespace qualm::report
