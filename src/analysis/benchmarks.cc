#include "analysis/benchmarks.h"

#include <cmath>
#include <map>
#include <tuple>
#include <utility>

#include "analysis/json_fields.h"
#include "stats/binomial.h"

namespace qualm::analysis {

using nlohmann::json;
using namespace json_fields;

void to_json(json& j, const BenchmarkRow& r) {
  j = config_json(r.config);
  j.update({{"task", r.task},
            {"metric", r.metric},
            {"n", r.n},
            {"correct", r.correct},
            {"value", r.value},
            {"ci_low", r.ci_low},
            {"ci_high", r.ci_high}});
  if (r.group) j["group"] = *r.group;
}

void from_json(const json& j, BenchmarkRow& r) {
  r = {config_of(j),
       text(j, "task"),
       std::nullopt,
       text(j, "metric"),
       count(j, "n"),
       count(j, "correct"),
       number(j, "value", NAN),
       number(j, "ci_low", NAN),
       number(j, "ci_high", NAN)};
  if (member(j, "group").is_string()) r.group = text(j, "group");
}

std::vector<BenchmarkRow> benchmarks(const RunData& run) {
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
  std::vector<BenchmarkRow> out;
  for (const Key& key : order) {
    const auto [correct, n] = counts[key];
    const stats::Interval ci = stats::wilson_ci(correct, n);
    BenchmarkRow row{std::get<0>(key),
                     std::get<1>(key),
                     std::nullopt,
                     std::get<2>(key),
                     n,
                     correct,
                     static_cast<double>(correct) / static_cast<double>(n),
                     ci.low,
                     ci.high};
    if (const auto g = group_of.find(row.task); g != group_of.end() && !g->second.empty()) row.group = g->second;
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace qualm::analysis
