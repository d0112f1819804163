#include "analysis/metric_info.h"

#include <limits>
#include <map>
#include <set>

#include "metrics/model_metrics.h"
#include "metrics/registry.h"

namespace qualm::analysis {

std::optional<std::pair<double, double>> metric_range(const std::string& metric) {
  const std::string name(metrics::split_pipeline_metric(metric).base);  // "exact_match,strict-match": exact_match's
  static const std::map<std::string, std::pair<double, double>> kRanges = [] {
    constexpr double kInf = std::numeric_limits<double>::infinity();
    std::map<std::string, std::pair<double, double>> m = {{"coherence", {-1, 1}},     {"acc", {0, 1}},
                                                          {"acc_norm", {0, 1}},       {"acc_bytes", {0, 1}},
                                                          {"acc_token_mean", {0, 1}}, {"perplexity", {1, kInf}}};
    for (const metrics::model::ModelMetric& d : metrics::model::model_metrics()) {
      if (d.range) m.emplace(d.name, std::make_pair(d.range->lo, d.range->hi));
    }
    return m;
  }();
  if (const auto it = kRanges.find(name); it != kRanges.end()) return it->second;
  if (const metrics::TextMetric* m = metrics::find_text_metric(name)) return std::make_pair(m->min, m->max);
  return std::nullopt;
}

bool higher_is_better(const std::string& metric) {
  const std::string name(metrics::split_pipeline_metric(metric).base);
  static const std::set<std::string> kLower = [] {
    std::set<std::string> lower = {"perplexity"};
    for (const metrics::model::ModelMetric& d : metrics::model::model_metrics()) {
      if (d.lower_is_better) lower.emplace(d.name);
    }
    return lower;
  }();
  if (kLower.count(name)) return false;
  if (const metrics::TextMetric* m = metrics::find_text_metric(name)) return m->higher_is_better;
  return true;
}

}  // namespace qualm::analysis
