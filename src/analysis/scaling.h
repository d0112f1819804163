#pragma once
// Quality scaling fit (TR124 S6.2, S15.8): composite = a * params^b in log-log space, one fit
// per (variant, backend) over the models whose parameter counts the experiment gives.
//
// summary["scaling_fit"] = {quality_metric: "composite", fits: [{variant, backend, n, a, b, r2,
//   b_stderr, b_p_value, points: [{model, params, quality}], excluded: [{model, why}], note?}], note}
// A figure that is not finite is null; a fit's note is there for two models only. With no
// (variant, backend) holding 2 distinct parameter counts, fits is empty and note says why.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analysis/rankings.h"
#include "analysis/run_data.h"

namespace qualm::analysis {

// A model in a fit: its parameter count and composite.
struct ScalingPoint {
  std::string model;
  double params = 0, quality = 0;
};

// A model left out of a fit, and why.
struct ScalingExclusion {
  std::string model, why;
};

struct ScalingLine {
  std::string variant, backend;
  int64_t n = 0;
  std::optional<double> a, b, r2, b_stderr, b_p_value;
  std::vector<ScalingPoint> points;
  std::vector<ScalingExclusion> excluded;
  std::optional<std::string> note;
};

// The note of a run without parameter counts: a missing section's.
extern const char* const kScalingNoParamsNote;

struct ScalingFit {
  std::vector<ScalingLine> fits;  // in first-appearance order of (variant, backend)
  std::string note = kScalingNoParamsNote;
};

// The JSON above (quality_metric is always "composite"); reading takes any shape (a member missing
// or of another type is a default).
void to_json(nlohmann::json& j, const ScalingFit& s);
void from_json(const nlohmann::json& j, ScalingFit& s);

ScalingFit scaling_fit(const RunData& run, std::span<const CompositeRow> composite_rows);

}  // namespace qualm::analysis
