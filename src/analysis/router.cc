#include "analysis/router.h"

#include <map>
#include <set>

#include "analysis/metric_info.h"

namespace qualm::analysis {

using nlohmann::json;

namespace {

struct Mean {
  double sum = 0;
  int64_t n = 0;
  double value() const { return sum / static_cast<double>(n); }
};

struct Cell {
  std::map<std::string, Mean> metrics;
  std::set<std::pair<int64_t, int64_t>> samples;  // (sample_id, rep)
  double composite() const {
    double s = 0;
    for (const auto& [name, m] : metrics) s += m.value();
    return s / static_cast<double>(metrics.size());
  }
};

}  // namespace

json task_router(const RunData& run) {
  std::vector<std::string> tasks;
  std::map<std::string, std::map<ConfigKey, Cell>> cells;  // task -> label -> cell
  for (const SampleRecord* r : run.ok_records()) {
    if (run.kind_of(*r) != TaskKind::kGenerate) continue;
    const std::string& task = r->task_name;
    Cell* cell = nullptr;
    for (const auto& [metric, _] : r->metrics) {
      const auto v = r->metric(metric);
      if (!v || !higher_is_better(metric)) continue;
      if (!cells.count(task)) tasks.push_back(task);
      cell = &cells[task][r->config];
      cell->metrics[metric].sum += *v;
      cell->metrics[metric].n += 1;
    }
    if (cell) cell->samples.insert({r->sample_id, r->rep});
  }
  if (tasks.empty()) {
    return {{"tasks", json::array()}, {"note", "no generation records: the router needs generate tasks"}};
  }
  const std::vector<ConfigKey> labels = run.labels();  // first-appearance order breaks ties
  json task_rows = json::array();
  double routed = 0;
  for (const std::string& task : tasks) {
    const ConfigKey* best = nullptr;
    const ConfigKey* second = nullptr;
    const auto& by_label = cells[task];
    auto score = [&](const ConfigKey* l) { return by_label.at(*l).composite(); };
    for (const ConfigKey& l : labels) {
      if (!by_label.count(l)) continue;
      if (!best || score(&l) > score(best)) {
        second = best;
        best = &l;
      } else if (!second || score(&l) > score(second)) {
        second = &l;
      }
    }
    json row = {{"task_name", task}, {"best", best->str()}};
    row.update(config_json(*best));
    row["composite"] = score(best);
    row["n_samples"] = by_label.at(*best).samples.size();
    row["runner_up"] = second ? json(second->str()) : json();
    row["runner_up_composite"] = second ? json(score(second)) : json();
    row["margin"] = second ? json(score(best) - score(second)) : json();
    routed += score(best);
    task_rows.push_back(row);
  }
  routed /= static_cast<double>(tasks.size());

  // Single labels are compared on the same footing: the mean of their task composites, and only
  // labels with every task.
  json label_rows = json::array();
  const ConfigKey* best_single = nullptr;
  double best_single_score = 0;
  for (const ConfigKey& l : labels) {
    double sum = 0;
    int n = 0;
    for (const std::string& task : tasks) {
      if (const auto it = cells[task].find(l); it != cells[task].end()) {
        sum += it->second.composite();
        ++n;
      }
    }
    if (n == 0) continue;
    const bool complete = n == static_cast<int>(tasks.size());
    label_rows.push_back({{"label", l.str()}, {"composite", sum / n}, {"n_tasks", n}, {"complete", complete}});
    if (complete && (!best_single || sum / n > best_single_score)) {
      best_single = &l;
      best_single_score = sum / n;
    }
  }
  json out = {{"tasks", task_rows}, {"routed_composite", routed}, {"labels", label_rows}};
  out["best_single"] = best_single ? json(best_single->str()) : json();
  out["best_single_composite"] = best_single ? json(best_single_score) : json();
  out["gain"] = best_single ? json(routed - best_single_score) : json();
  out["gain_pct"] = best_single && best_single_score != 0 ? json(100 * (routed - best_single_score) / best_single_score)
                                                          : json();
  out["note"] =
      "composite here is the mean over generate tasks of each task's composite (mean of its metric means), so "
      "it can differ from summary.composite, which averages metrics over all records. The routed figure picks "
      "the maximum of noisy means and is biased upward; a small margin means the choice of best is not settled.";
  return out;
}

}  // namespace qualm::analysis
