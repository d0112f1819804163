#include "analysis/variance.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>
#include <utility>

#include "analysis/json_fields.h"
#include "stats/descriptive.h"
#include "stats/levene.h"
#include "stats/variation.h"

namespace qualm::analysis {
namespace {

using nlohmann::json;

struct Cell {
  ConfigKey label;
  std::string task, metric;
  std::vector<int64_t> sample_order;              // sample_id, first appearance
  std::map<int64_t, std::vector<double>> values;  // per sample, in record order
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

CvFigures cv_figures(const std::vector<double>& cvs) {
  const Buckets b = buckets(cvs);
  return {finite_or_unset(stats::mean(cvs)),
          finite_or_unset(stats::median(cvs)),
          finite_or_unset(*std::max_element(cvs.begin(), cvs.end())),
          b.below5,
          b.below10,
          b.below20};
}

std::string stability(double mean_cv) {
  if (mean_cv < 0.05) return "very stable";
  if (mean_cv < 0.10) return "stable";
  if (mean_cv < 0.20) return "moderate";
  return "high variance";
}

}  // namespace

SamplingVariance sampling_variance(const RunData& run) {
  const std::map<std::string, bool> repeated = repeated_tasks(run);
  using Key = std::tuple<ConfigKey, std::string, std::string>;  // label, task, metric
  std::vector<Cell> cells;
  std::map<Key, size_t> index;
  for (const SampleRecord* r : run.ok_records()) {
    const std::string& task = r->task_name;
    const auto rep = repeated.find(task);
    if (rep == repeated.end() || !rep->second) continue;
    const int64_t sid = r->sample_id;
    for (const auto& [metric, value] : r->metrics) {
      const auto v = r->metric(metric);
      if (!v) continue;
      const Key key{r->config, task, metric};
      auto [it, inserted] = index.try_emplace(key, cells.size());
      if (inserted) cells.push_back({r->config, task, metric, {}, {}});
      Cell& c = cells[it->second];
      if (!c.values.count(sid)) c.sample_order.push_back(sid);
      c.values[sid].push_back(*v);
    }
  }

  SamplingVariance out;
  std::vector<double> all_cvs;
  // (model, variant, task, metric) -> backend -> deviations from each sample's mean
  std::map<std::tuple<std::string, std::string, std::string, std::string>, std::map<std::string, std::vector<double>>> spread;
  std::vector<std::tuple<std::string, std::string, std::string, std::string>> spread_order;
  for (const Cell& c : cells) {
    std::vector<double> cvs, scores;
    std::vector<int64_t> ids;
    int64_t zero = 0, undefined = 0;
    const auto skey = std::make_tuple(c.label.model, c.label.variant, c.task, c.metric);
    for (const int64_t sid : c.sample_order) {
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
      ids.push_back(sid);
      scores.insert(scores.end(), v.begin(), v.end());
      if (!spread.count(skey)) spread_order.push_back(skey);
      auto& dev = spread[skey][c.label.backend];
      for (double x : v) dev.push_back(x - mean);
    }
    if (cvs.empty()) continue;
    out.cells.push_back({c.label, c.task, c.metric, static_cast<int64_t>(cvs.size()),
                         finite_or_unset(stats::mean(scores)), cv_figures(cvs), stability(stats::mean(cvs)), zero,
                         undefined, std::move(ids), cvs});
    all_cvs.insert(all_cvs.end(), cvs.begin(), cvs.end());
  }

  for (const auto& key : spread_order) {
    const auto& by_backend = spread.at(key);
    if (by_backend.size() < 2) continue;
    BackendVarianceTest t{
        std::get<0>(key), std::get<1>(key), std::get<2>(key), std::get<3>(key), {}, {}, {}, {}, {}, {}};
    std::vector<std::vector<double>> groups;
    for (const auto& [backend, dev] : by_backend) {
      t.backends.push_back(backend);
      t.n.push_back(static_cast<int64_t>(dev.size()));
      groups.push_back(dev);
    }
    const stats::LeveneResult lv = stats::levene(groups);
    const stats::LeveneResult bf = stats::brown_forsythe(groups);
    t.levene_w = finite_or_unset(lv.w);
    t.levene_p = finite_or_unset(lv.p);
    t.brown_forsythe_w = finite_or_unset(bf.w);
    t.brown_forsythe_p = finite_or_unset(bf.p);
    out.levene.push_back(std::move(t));
  }

  out.overall.n = static_cast<int64_t>(all_cvs.size());
  if (!all_cvs.empty()) out.overall.cv = cv_figures(all_cvs);
  out.note =
      "CV = sample SD (n-1) / |mean| across a sample's repetitions, per generate task with repetitions >= 2; "
      "samples whose repetitions are all 0 count as CV 0 (n_zero_mean); mean 0 with spread has no CV (n_undefined). "
      "Levene / Brown-Forsythe compare backends on each repetition's deviation from its sample's mean.";
  if (out.cells.empty())
    out.note = "no generate task ran with repetitions >= 2; set repetitions: 3 and temperature > 0";
  return out;
}

// ---- summary.json's `sampling_variance` written and read (json_fields.h).

namespace {

using namespace json_fields;

const Figures<CvFigures> kCvFigures = {
    {"mean_cv", &CvFigures::mean_cv}, {"median_cv", &CvFigures::median_cv}, {"max_cv", &CvFigures::max_cv}};
// The shares are always numbers (0 where missing).
const std::initializer_list<std::pair<const char*, double CvFigures::*>> kCvShares = {
    {"below_5pct", &CvFigures::below_5pct},
    {"below_10pct", &CvFigures::below_10pct},
    {"below_20pct", &CvFigures::below_20pct}};
const Figures<VarianceCell> kCellFigures = {{"mean_score", &VarianceCell::mean_score}};
const Counts<VarianceCell> kCellCounts = {{"n_samples", &VarianceCell::n_samples},
                                          {"n_zero_mean", &VarianceCell::n_zero_mean},
                                          {"n_undefined", &VarianceCell::n_undefined}};
const Figures<BackendVarianceTest> kTestFigures = {{"levene_w", &BackendVarianceTest::levene_w},
                                                   {"levene_p", &BackendVarianceTest::levene_p},
                                                   {"brown_forsythe_w", &BackendVarianceTest::brown_forsythe_w},
                                                   {"brown_forsythe_p", &BackendVarianceTest::brown_forsythe_p}};

void write_cv(json& out, const CvFigures& cv) {
  write(out, cv, kCvFigures, {});
  for (const auto& [key, field] : kCvShares) out[key] = cv.*field;
}

CvFigures cv_of(const json& j) {
  CvFigures cv;
  read(j, cv, kCvFigures, {});
  for (const auto& [key, field] : kCvShares) cv.*field = number(j, key, 0);
  return cv;
}

json cell_json(const VarianceCell& c) {
  json out = config_json(c.config);
  out.update({{"task_name", c.task_name},
              {"metric", c.metric},
              {"stability", c.stability},
              {"sample_ids", c.sample_ids},
              {"cvs", c.cvs}});
  write(out, c, kCellFigures, kCellCounts);
  write_cv(out, c.cv);
  return out;
}

VarianceCell cell_of(const json& j) {
  VarianceCell c;
  c.config = config_of(j);
  c.task_name = text(j, "task_name");
  c.metric = text(j, "metric");
  c.stability = text(j, "stability");
  read(j, c, kCellFigures, kCellCounts);
  c.cv = cv_of(j);
  for (const json& id : items(j, "sample_ids")) {
    if (id.is_number_integer()) c.sample_ids.push_back(id.get<int64_t>());
  }
  for (const json& cv : items(j, "cvs")) {
    if (cv.is_number()) c.cvs.push_back(cv.get<double>());
  }
  return c;
}

json test_json(const BackendVarianceTest& t) {
  json out = {{"model", t.model},   {"variant", t.variant},   {"task_name", t.task_name},
              {"metric", t.metric}, {"backends", t.backends}, {"n", t.n}};
  write(out, t, kTestFigures, {});
  return out;
}

BackendVarianceTest test_of(const json& j) {
  BackendVarianceTest t{text(j, "model"),
                        text(j, "variant"),
                        text(j, "task_name"),
                        text(j, "metric"),
                        texts(j, "backends"),
                        {},
                        {},
                        {},
                        {},
                        {}};
  for (const json& n : items(j, "n")) {
    if (n.is_number_integer()) t.n.push_back(n.get<int64_t>());
  }
  read(j, t, kTestFigures, {});
  return t;
}

}  // namespace

void to_json(json& j, const SamplingVariance& v) {
  json cells = json::array(), overall = {{"n", v.overall.n}}, levene = json::array();
  for (const VarianceCell& c : v.cells) cells.push_back(cell_json(c));
  if (v.overall.n > 0) write_cv(overall, v.overall.cv);
  for (const BackendVarianceTest& t : v.levene) levene.push_back(test_json(t));
  j = {{"cells", std::move(cells)}, {"overall", std::move(overall)}, {"levene", std::move(levene)}, {"note", v.note}};
}

void from_json(const json& j, SamplingVariance& v) {
  v = {};
  for (const json& c : items(j, "cells")) v.cells.push_back(cell_of(c));
  const json& overall = member(j, "overall");
  v.overall.n = count(overall, "n");
  if (v.overall.n > 0) v.overall.cv = cv_of(overall);
  for (const json& t : items(j, "levene")) v.levene.push_back(test_of(t));
  v.note = text(j, "note");
}

}  // namespace qualm::analysis
