#pragma once
// The measurement invariants (TR124 S13.3) as PASS/FAIL: metric ranges, no NaN, sample
// counts, skip counts, greedy determinism and backend answer identity.

#include <nlohmann/json.hpp>

#include "analysis/run_data.h"

namespace qualm::analysis {

// [{name, status: "PASS"|"FAIL", detail}]
nlohmann::json invariants(const RunData& run);

}  // namespace qualm::analysis
