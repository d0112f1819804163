#include "analysis/router.h"

#include <map>
#include <set>
#include <utility>

#include "analysis/json_fields.h"
#include "analysis/metric_info.h"

namespace qualm::analysis {

using nlohmann::json;
using namespace json_fields;

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

TaskRouter task_router(const RunData& run) {
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
  TaskRouter out;
  if (tasks.empty()) return out;
  const std::vector<ConfigKey> labels = run.labels();  // first-appearance order breaks ties
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
    RouterTask row{task, *best, score(best), static_cast<int64_t>(by_label.at(*best).samples.size()), {}, {}, {}};
    if (second) {
      row.runner_up = second->str();
      row.runner_up_composite = score(second);
      row.margin = score(best) - score(second);
    }
    routed += score(best);
    out.tasks.push_back(std::move(row));
  }
  out.routed_composite = routed / static_cast<double>(tasks.size());

  // Single labels are compared on the same footing: the mean of their task composites, and only
  // labels with every task.
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
    out.labels.push_back({l.str(), sum / n, n, complete});
    if (complete && (!best_single || sum / n > best_single_score)) {
      best_single = &l;
      best_single_score = sum / n;
    }
  }
  if (best_single) {
    out.best_single = best_single->str();
    out.best_single_composite = best_single_score;
    out.gain = out.routed_composite - best_single_score;
    if (best_single_score != 0) out.gain_pct = 100 * (out.routed_composite - best_single_score) / best_single_score;
  }
  return out;
}

const char* router_note(const TaskRouter& r) {
  return r.tasks.empty()
             ? "no generation records: the router needs generate tasks"
             : "composite here is the mean over generate tasks of each task's composite (mean of its metric means), "
               "so it can differ from summary.composite, which averages metrics over all records. The routed figure "
               "picks the maximum of noisy means and is biased upward; a small margin means the choice of best is not "
               "settled.";
}

namespace {

const Figures<RouterTask> kTaskFigures = {{"runner_up_composite", &RouterTask::runner_up_composite},
                                          {"margin", &RouterTask::margin}};
const Counts<RouterTask> kTaskCounts = {{"n_samples", &RouterTask::n_samples}};
const Figures<TaskRouter> kRouterFigures = {{"best_single_composite", &TaskRouter::best_single_composite},
                                            {"gain", &TaskRouter::gain},
                                            {"gain_pct", &TaskRouter::gain_pct}};

json task_json(const RouterTask& t) {
  json out = {{"task_name", t.task_name}, {"best", t.best.str()}};
  out.update(config_json(t.best));
  out["composite"] = t.composite;
  out["runner_up"] = or_null(t.runner_up);
  write(out, t, kTaskFigures, kTaskCounts);
  return out;
}

RouterTask task_of(const json& j) {
  RouterTask t{text(j, "task_name"), config_of(j), number(j, "composite", 0), 0, maybe_text(j, "runner_up"), {}, {}};
  read(j, t, kTaskFigures, kTaskCounts);
  return t;
}

}  // namespace

void to_json(json& j, const TaskRouter& r) {
  j = {{"tasks", json::array()}, {"note", router_note(r)}};
  if (r.tasks.empty()) return;
  for (const RouterTask& t : r.tasks) j["tasks"].push_back(task_json(t));
  j["routed_composite"] = r.routed_composite;
  j["labels"] = json::array();
  for (const RouterLabel& l : r.labels) {
    j["labels"].push_back(
        {{"label", l.label}, {"composite", l.composite}, {"n_tasks", l.n_tasks}, {"complete", l.complete}});
  }
  j["best_single"] = or_null(r.best_single);
  write(j, r, kRouterFigures, {});
}

void from_json(const json& j, TaskRouter& r) {
  r = {};
  for (const json& t : items(j, "tasks")) r.tasks.push_back(task_of(t));
  r.routed_composite = number(j, "routed_composite", 0);
  for (const json& l : items(j, "labels")) {
    r.labels.push_back({text(l, "label"), number(l, "composite", 0), count(l, "n_tasks"), flag(l, "complete", false)});
  }
  r.best_single = maybe_text(j, "best_single");
  read(j, r, kRouterFigures, {});
}

}  // namespace qualm::analysis
