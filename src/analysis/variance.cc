#include "analysis/variance.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "stats/descriptive.h"
#include "stats/levene.h"
#include "stats/variation.h"

namespace qualm::analysis {
namespace {

using nlohmann::json;

struct Cell {
  ConfigKey label;
  std::string task, metric;
  std::vector<std::string> sample_order;        // sample_id as JSON text, first appearance
  std::map<std::string, json> sample_id;        // the id as written
  std::map<std::string, std::vector<double>> values;  // per sample, in record order
};

// Generate tasks with two or more repetitions: the plan's count, else what the records show.
std::map<std::string, bool> repeated_tasks(const RunData& run) {
  std::map<std::string, bool> out;
  for (const SampleRecord* r : run.ok_records()) {
    if (run.kind_of(*r) != TaskKind::kGenerate) continue;
    const std::string& task = r->task_name;
    if (const auto t = run.tasks.find(task); t != run.tasks.end()) {
      out[task] = t->second.repetitions >= 2;
    } else if (r->rep >= 1) {
      out[task] = true;
    } else {
      out.try_emplace(task, false);
    }
  }
  return out;
}

struct Buckets {
  double below5 = 0, below10 = 0, below20 = 0;
};

Buckets buckets(const std::vector<double>& cvs) {
  Buckets b;
  for (double cv : cvs) {
    b.below5 += cv < 0.05;
    b.below10 += cv < 0.10;
    b.below20 += cv < 0.20;
  }
  const double n = static_cast<double>(cvs.size());
  return {b.below5 / n, b.below10 / n, b.below20 / n};
}

json cv_summary(const std::vector<double>& cvs) {
  const Buckets b = buckets(cvs);
  return {{"mean_cv", finite_or_null(stats::mean(cvs))},
          {"median_cv", finite_or_null(stats::median(cvs))},
          {"max_cv", finite_or_null(*std::max_element(cvs.begin(), cvs.end()))},
          {"below_5pct", b.below5},
          {"below_10pct", b.below10},
          {"below_20pct", b.below20}};
}

std::string stability(double mean_cv) {
  if (mean_cv < 0.05) return "very stable";
  if (mean_cv < 0.10) return "stable";
  if (mean_cv < 0.20) return "moderate";
  return "high variance";
}

}  // namespace

json sampling_variance(const RunData& run) {
  const std::map<std::string, bool> repeated = repeated_tasks(run);
  using Key = std::tuple<ConfigKey, std::string, std::string>;  // label, task, metric
  std::vector<Cell> cells;
  std::map<Key, size_t> index;
  for (const SampleRecord* r : run.ok_records()) {
    const std::string& task = r->task_name;
    const auto rep = repeated.find(task);
    if (rep == repeated.end() || !rep->second) continue;
    const json id = r->sample_id;
    const std::string sid = id.dump();
    for (const auto& [metric, value] : r->metrics) {
      const auto v = r->metric(metric);
      if (!v) continue;
      const Key key{r->config, task, metric};
      auto [it, inserted] = index.try_emplace(key, cells.size());
      if (inserted) cells.push_back({r->config, task, metric, {}, {}, {}});
      Cell& c = cells[it->second];
      if (!c.values.count(sid)) {
        c.sample_order.push_back(sid);
        c.sample_id[sid] = id;
      }
      c.values[sid].push_back(*v);
    }
  }

  json out_cells = json::array();
  std::vector<double> all_cvs;
  // (model, variant, task, metric) -> backend -> deviations from each sample's mean
  std::map<std::tuple<std::string, std::string, std::string, std::string>, std::map<std::string, std::vector<double>>> spread;
  std::vector<std::tuple<std::string, std::string, std::string, std::string>> spread_order;
  for (const Cell& c : cells) {
    std::vector<double> cvs, scores;
    json ids = json::array();
    int64_t zero = 0, undefined = 0;
    const auto skey = std::make_tuple(c.label.model, c.label.variant, c.task, c.metric);
    for (const std::string& sid : c.sample_order) {
      const std::vector<double>& v = c.values.at(sid);
      if (v.size() < 2) continue;
      const double mean = stats::mean(v);
      double cv = 0;
      if (std::all_of(v.begin(), v.end(), [](double x) { return x == 0; })) {
        ++zero;
      } else {
        cv = std::fabs(stats::coefficient_of_variation(v));
        if (!std::isfinite(cv)) {
          ++undefined;
          continue;
        }
      }
      cvs.push_back(cv);
      ids.push_back(c.sample_id.at(sid));
      scores.insert(scores.end(), v.begin(), v.end());
      if (!spread.count(skey)) spread_order.push_back(skey);
      auto& dev = spread[skey][c.label.backend];
      for (double x : v) dev.push_back(x - mean);
    }
    if (cvs.empty()) continue;
    json row = config_json(c.label);
    row["task_name"] = c.task;
    row["metric"] = c.metric;
    row["n_samples"] = cvs.size();
    row["mean_score"] = finite_or_null(stats::mean(scores));
    row.update(cv_summary(cvs));
    row["stability"] = stability(stats::mean(cvs));
    row["n_zero_mean"] = zero;
    row["n_undefined"] = undefined;
    row["sample_ids"] = ids;
    row["cvs"] = cvs;
    out_cells.push_back(row);
    all_cvs.insert(all_cvs.end(), cvs.begin(), cvs.end());
  }

  json levene_rows = json::array();
  for (const auto& key : spread_order) {
    const auto& by_backend = spread.at(key);
    if (by_backend.size() < 2) continue;
    json backends = json::array(), ns = json::array();
    std::vector<std::vector<double>> groups;
    for (const auto& [backend, dev] : by_backend) {
      backends.push_back(backend);
      ns.push_back(dev.size());
      groups.push_back(dev);
    }
    const stats::LeveneResult lv = stats::levene(groups);
    const stats::LeveneResult bf = stats::brown_forsythe(groups);
    levene_rows.push_back({{"model", std::get<0>(key)},    {"variant", std::get<1>(key)},
                           {"task_name", std::get<2>(key)}, {"metric", std::get<3>(key)},
                           {"backends", backends},          {"n", ns},
                           {"levene_w", finite_or_null(lv.w)},         {"levene_p", finite_or_null(lv.p)},
                           {"brown_forsythe_w", finite_or_null(bf.w)}, {"brown_forsythe_p", finite_or_null(bf.p)}});
  }

  json overall = {{"n", all_cvs.size()}};
  if (!all_cvs.empty()) overall.update(cv_summary(all_cvs));
  std::string note =
      "CV = sample SD (n-1) / |mean| across a sample's repetitions, per generate task with repetitions >= 2; "
      "samples whose repetitions are all 0 count as CV 0 (n_zero_mean); mean 0 with spread has no CV (n_undefined). "
      "Levene / Brown-Forsythe compare backends on each repetition's deviation from its sample's mean.";
  if (out_cells.empty()) note = "no generate task ran with repetitions >= 2; set repetitions: 3 and temperature > 0";
  return {{"cells", out_cells}, {"overall", overall}, {"levene", levene_rows}, {"note", note}};
}

}  // namespace qualm::analysis
