// summary.json's `composite` and `rankings`: the typed CompositeRow and Rankings (rankings.h)
// written and read.

#include <initializer_list>
#include <tuple>
#include <utility>

#include "analysis/json_fields.h"
#include "analysis/rankings.h"  // the types this file writes and reads

namespace qualm::analysis {

using nlohmann::json;
using namespace json_fields;

const char* const kAgreementNote =
    "rank correlations between metrics over the configurations that have every metric; "
    "null where a ranking is constant or fewer than two configurations";

namespace {

const Figures<MetricAgreement> kAgreementFigures = {{"spearman", &MetricAgreement::spearman},
                                                    {"spearman_p", &MetricAgreement::spearman_p},
                                                    {"kendall_tau", &MetricAgreement::kendall_tau},
                                                    {"kendall_p", &MetricAgreement::kendall_p}};
const Counts<MetricAgreement> kAgreementCounts = {{"n", &MetricAgreement::n}};
const Counts<GroupRank> kGroupCounts = {{"n_configs", &GroupRank::n_configs}, {"rank", &GroupRank::rank}};

// by_model, by_variant, by_backend: each list's key, its rows' key for the group, its member.
const std::initializer_list<std::tuple<const char*, const char*, std::vector<GroupRank> Rankings::*>> kGroups = {
    {"by_model", "model", &Rankings::by_model},
    {"by_variant", "variant", &Rankings::by_variant},
    {"by_backend", "backend", &Rankings::by_backend}};

json groups_json(const std::vector<GroupRank>& groups, const char* key) {
  json out = json::array();
  for (const GroupRank& g : groups) {
    json row = {{key, g.name}, {"mean_composite", g.mean_composite}};
    write(row, g, {}, kGroupCounts);
    out.push_back(std::move(row));
  }
  return out;
}

std::vector<GroupRank> groups_of(const json& rows, const char* key) {
  std::vector<GroupRank> out;
  for (const json& row : rows) {
    GroupRank g;
    g.name = text(row, key);
    g.mean_composite = number(row, "mean_composite", 0);
    read(row, g, {}, kGroupCounts);
    out.push_back(std::move(g));
  }
  return out;
}

json metric_ranking_json(const MetricRanking& m) {
  json rows = json::array();
  for (const MetricRankRow& r : m.rows) {
    json row = config_json(r.config);
    row.update({{"value", r.value}, {"rank", r.rank}});
    rows.push_back(std::move(row));
  }
  return {{"higher_is_better", m.higher_is_better}, {"rows", std::move(rows)}};
}

MetricRanking metric_ranking_of(const json& j) {
  MetricRanking m;
  m.higher_is_better = flag(j, "higher_is_better", true);
  for (const json& r : items(j, "rows")) {
    m.rows.push_back({config_of(r), number(r, "value", 0), number(r, "rank", 0)});
  }
  return m;
}

json agreement_json(const MetricAgreement& a) {
  json out = {{"metric_a", a.metric_a}, {"metric_b", a.metric_b}};
  write(out, a, kAgreementFigures, kAgreementCounts);
  return out;
}

MetricAgreement agreement_of(const json& j) {
  MetricAgreement a;
  a.metric_a = text(j, "metric_a");
  a.metric_b = text(j, "metric_b");
  read(j, a, kAgreementFigures, kAgreementCounts);
  return a;
}

json task_ranking_json(const TaskRanking& t) {
  json rows = json::array();
  for (const TaskRankRow& r : t.rows) {
    json row = config_json(r.config);
    row.update({{"task_composite", r.task_composite}, {"rank", r.rank}});
    rows.push_back(std::move(row));
  }
  return {{"task_name", t.task_name}, {"best", t.best}, {"rows", std::move(rows)}};
}

TaskRanking task_ranking_of(const json& j) {
  TaskRanking t{text(j, "task_name"), text(j, "best"), {}};
  for (const json& r : items(j, "rows")) {
    t.rows.push_back({config_of(r), number(r, "task_composite", 0), count(r, "rank")});
  }
  return t;
}

}  // namespace

void to_json(json& j, const CompositeRow& r) {
  j = config_json(r.config);
  j.update({{"composite", or_null(r.composite)},
            {"ci_low", or_null(r.ci_low)},
            {"ci_high", or_null(r.ci_high)},
            {"n_samples", r.n_samples},
            {"n_metrics", r.n_metrics},
            {"composite_metrics", r.composite_metrics},
            {"mean_metric_rank", or_null(r.mean_metric_rank)},
            {"rank_by_metrics", r.rank_by_metrics},
            {"rank_by_value", r.rank_by_value},
            {"rank", r.rank},
            {"tied", r.tied}});
  if (!r.metrics.empty()) j["metrics"] = r.metrics;
  if (!r.metrics_left_out.empty()) j["metrics_left_out"] = r.metrics_left_out;
}

void from_json(const json& j, CompositeRow& r) {
  r = {};
  r.config = config_of(j);
  r.composite = maybe_number(j, "composite");
  r.ci_low = maybe_number(j, "ci_low");
  r.ci_high = maybe_number(j, "ci_high");
  r.n_samples = count(j, "n_samples");
  r.n_metrics = count(j, "n_metrics");
  r.composite_metrics = texts(j, "composite_metrics");
  r.metrics_left_out = texts(j, "metrics_left_out");
  const json& metrics = member(j, "metrics");
  if (metrics.is_object()) {
    for (const auto& [name, value] : metrics.items()) {
      if (value.is_number()) r.metrics[name] = value.get<double>();
    }
  }
  r.mean_metric_rank = maybe_number(j, "mean_metric_rank");
  r.rank_by_metrics = number(j, "rank_by_metrics", 0);
  r.rank = count(j, "rank");
  r.rank_by_value = count(j, "rank_by_value");
  r.tied = flag(j, "tied", false);
}

void to_json(json& j, const Rankings& r) {
  json per_metric = json::object();
  for (const auto& [metric, m] : r.per_metric) per_metric[metric] = metric_ranking_json(m);
  json agreement = json::array();
  for (const MetricAgreement& a : r.agreement) agreement.push_back(agreement_json(a));
  json by_task = json::array();
  for (const TaskRanking& t : r.by_task) by_task.push_back(task_ranking_json(t));
  j = {{"per_metric", std::move(per_metric)},
       {"agreement", std::move(agreement)},
       {"agreement_note", kAgreementNote},
       {"by_task", std::move(by_task)}};
  for (const auto& [list, key, field] : kGroups) j[list] = groups_json(r.*field, key);
}

void from_json(const json& j, Rankings& r) {
  r = {};
  const json& per_metric = member(j, "per_metric");
  if (per_metric.is_object()) {
    for (const auto& [metric, m] : per_metric.items()) r.per_metric[metric] = metric_ranking_of(m);
  }
  for (const json& a : items(j, "agreement")) r.agreement.push_back(agreement_of(a));
  for (const auto& [list, key, field] : kGroups) r.*field = groups_of(items(j, list), key);
  for (const json& t : items(j, "by_task")) r.by_task.push_back(task_ranking_of(t));
}

}  // namespace qualm::analysis
