#include "analysis/benchmarks.h"

#include <map>
#include <tuple>

#include "stats/binomial.h"

namespace qualm::analysis {

using nlohmann::json;

json benchmarks(const RunData& run) {
  using Key = std::tuple<ConfigKey, std::string, std::string>;  // label, task or group, metric
  std::map<Key, std::pair<int64_t, int64_t>> counts;       // correct, n
  std::vector<Key> order;
  std::map<std::string, std::string> group_of;
  auto add = [&](const ConfigKey& l, const std::string& task, const std::string& metric, bool correct) {
    const Key key{l, task, metric};
    if (!counts.count(key)) order.push_back(key);
    counts[key].first += correct ? 1 : 0;
    counts[key].second += 1;
  };
  for (const SampleRecord* r : run.ok_records()) {
    if (run.kind_of(*r) != TaskKind::kMultipleChoice) continue;
    const std::string& task = r->task_name;
    const auto t = run.tasks.find(task);
    const std::string group = t != run.tasks.end() ? t->second.group : std::string();
    group_of[task] = group;
    for (const auto& [metric, value] : r->metrics) {
      // A scored metric counts the record; its pred and gold say whether it was right.
      const auto correct = r->chose_gold(metric);
      if (!r->metric(metric) || !correct) continue;
      add(r->config, task, metric, *correct);
      if (!group.empty()) add(r->config, group, metric, *correct);
    }
  }
  json out = json::array();
  for (const Key& key : order) {
    const auto [correct, n] = counts[key];
    const stats::Interval ci = stats::wilson_ci(correct, n);
    json row = config_json(std::get<0>(key));
    row["task"] = std::get<1>(key);
    if (const auto g = group_of.find(std::get<1>(key)); g != group_of.end() && !g->second.empty()) row["group"] = g->second;
    row["metric"] = std::get<2>(key);
    row["n"] = n;
    row["correct"] = correct;
    row["value"] = static_cast<double>(correct) / static_cast<double>(n);
    row["ci_low"] = ci.low;
    row["ci_high"] = ci.high;
    out.push_back(row);
  }
  return out;
}

}  // namespace qualm::analysis
