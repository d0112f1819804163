#include "report/verdict_rule.h"

#include <cmath>
#include <string>

#include "analysis/metric_info.h"

namespace qualm::report {

std::optional<Finding> judge(const analysis::DeltaRow& r, double margin) {
  const auto range = analysis::metric_range(r.metric);
  if (!range || !std::isfinite(range->first) || !std::isfinite(range->second) || range->second - range->first > 2) {
    return std::nullopt;
  }
  if (!r.delta_ci_low || !r.delta_ci_high) return std::nullopt;
  const double lo = *r.delta_ci_low, hi = *r.delta_ci_high;
  const bool up = analysis::higher_is_better(r.metric);
  if (lo >= -margin && hi <= margin) return Finding::kEquivalent;
  if (up ? hi < 0 : lo > 0) return Finding::kWorse;
  if (up ? lo > 0 : hi < 0) return Finding::kBetter;
  return Finding::kInconclusive;
}

const char* finding_name(Finding f) {
  switch (f) {
    case Finding::kEquivalent:
      return "equivalent";
    case Finding::kWorse:
      return "worse";
    case Finding::kBetter:
      return "better";
    case Finding::kInconclusive:
      return "inconclusive";
  }
  return "";
}

}  // namespace qualm::report
