#pragma once
// manifest.json (SPEC S5): what ran, on what, from which exact inputs — enough to tell
// whether two runs can be compared.

#include <nlohmann/json.hpp>

#include <string>

#include "config/experiment.h"
#include "run/plan.h"
#include "run/runner.h"

namespace qualm {

struct ManifestTimes {
  std::string started_at;
  std::string finished_at;  // empty while the run goes on
};

// outcome is null before the run (the manifest written at the start).
nlohmann::json make_manifest(const Experiment& experiment, const Plan& plan, const std::string& run_id,
                             const ManifestTimes& times, const RunOutcome* outcome, const nlohmann::json& counts);

// The ISO 8601 UTC time now, e.g. 2026-11-23T01:02:03Z.
std::string utc_now();
// The same compact, for run names: 20261123T010203Z.
std::string utc_stamp();

}  // namespace qualm
