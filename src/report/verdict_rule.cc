#include "report/verdict_rule.h"

#include <cmath>
#include <string>

#include "analysis/metric_info.h"

namespace qualm::report {

std::optional<Finding> judge(const nlohmann::json& r, double margin) {
  if (!r.is_object()) return std::nullopt;
  const std::string metric = r.value("metric", "");
  const auto range = analysis::metric_range(metric);
  if (!range || !std::isfinite(range->first) || !std::isfinite(range->second) || range->second - range->first > 2) {
    return std::nullopt;
  }
  const nlohmann::json lo_j = r.value("delta_ci_low", nlohmann::json()),
                       hi_j = r.value("delta_ci_high", nlohmann::json());
  if (!lo_j.is_number() || !hi_j.is_number()) return std::nullopt;
  const double lo = lo_j.get<double>(), hi = hi_j.get<double>();
  const bool up = analysis::higher_is_better(metric);
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
