#pragma once
// The measurement invariants (TR124 S13.3) as PASS/FAIL: metric ranges, no NaN, sample
// counts, skip counts, greedy determinism and backend answer identity.
//
// summary["invariants"] = [{name, status: "PASS"|"FAIL", detail}], in the order above.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/run_data.h"

namespace qualm::analysis {

struct Invariant {
  std::string name;
  std::string status;  // PASS or FAIL
  std::string detail;
};

// The JSON above; reading takes any shape (a member missing or of another type is a default).
void to_json(nlohmann::json& j, const Invariant& inv);
void from_json(const nlohmann::json& j, Invariant& inv);

std::vector<Invariant> invariants(const RunData& run);

}  // namespace qualm::analysis
