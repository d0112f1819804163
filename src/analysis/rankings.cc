#include "analysis/rankings.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "analysis/json_fields.h"
#include "analysis/metric_info.h"
#include "records/aggregate.h"
#include "records/metric_aggregation.h"
#include "stats/bootstrap.h"
#include "stats/rank_agreement.h"
#include "stats/ranks.h"

namespace qualm::analysis {
namespace {

using nlohmann::json;

constexpr int kCompositeResamples = 2000;

// One generate record's states by metric index (records/metric_aggregation.h): each metric
// aggregates as declared (BLEU and chrF over their corpus).
using Row = std::vector<std::optional<std::vector<double>>>;

struct LabelRows {
  ConfigKey label;
  std::vector<Row> rows;
};

// One metric of some rows, aggregated as declared; NaN when no row has it.
double metric_of(const std::vector<const Row*>& rows, size_t m, const MetricAggregation& aggregation) {
  std::vector<std::vector<double>> states;
  for (const Row* r : rows) {
    if ((*r)[m]) states.push_back(*(*r)[m]);
  }
  return states.empty() ? NAN : aggregate_states(aggregation, states);
}

// The composite of some rows: mean over the metrics `used` of each metric's value (metrics no
// row has are left out).
double composite_of(const std::vector<const Row*>& rows, const std::vector<const MetricAggregation*>& aggregations,
                    const std::vector<size_t>& used_metrics) {
  double total = 0;
  int used = 0;
  for (size_t m : used_metrics) {
    const double v = metric_of(rows, m, *aggregations[m]);
    if (std::isfinite(v)) {
      total += v;
      ++used;
    }
  }
  return used > 0 ? total / used : NAN;
}

// Percentile bootstrap over the label's records (each record keeps its metrics together).
stats::Interval composite_ci(const LabelRows& lr, const std::vector<const MetricAggregation*>& aggregations,
                             const std::vector<size_t>& used_metrics, uint64_t seed) {
  std::vector<const Row*> sample(lr.rows.size());
  return stats::bootstrap_ci(
      lr.rows.size(),
      [&](std::span<const size_t> indices) {
        for (size_t i = 0; i < indices.size(); ++i) sample[i] = &lr.rows[indices[i]];
        return composite_of(sample, aggregations, used_metrics);
      },
      stats::mix_seed(seed, "composite|" + lr.label.str()), kCompositeResamples);
}

// Ranks of values (1 = best) with ties averaged, in the metric's direction.
std::vector<double> ranks_of(std::vector<double> values, bool higher_better) {
  for (double& v : values) v = higher_better ? -v : v;
  return stats::average_ranks(values).ranks;
}

}  // namespace

std::vector<CompositeRow> composite(const RunData& run) {
  std::vector<std::string> metrics;
  std::map<std::string, size_t> metric_index;
  std::vector<LabelRows> labels;
  std::map<ConfigKey, size_t> label_index;
  for (const SampleRecord* r : run.ok_records()) {
    if (run.kind_of(*r) != TaskKind::kGenerate) continue;
    for (const auto& [name, value] : r->metrics) {
      if (!metric_index.count(name)) {
        metric_index[name] = metrics.size();
        metrics.push_back(name);
      }
    }
  }
  std::vector<const MetricAggregation*> aggregations;
  for (const std::string& m : metrics) aggregations.push_back(&metric_aggregation(m));
  for (const SampleRecord* r : run.ok_records()) {
    if (run.kind_of(*r) != TaskKind::kGenerate) continue;
    const ConfigKey& l = r->config;
    if (!label_index.count(l)) {
      label_index[l] = labels.size();
      labels.push_back({l, {}});
    }
    Row row(metrics.size());
    for (size_t m = 0; m < metrics.size(); ++m) row[m] = aggregations[m]->state(*r);
    labels[label_index[l]].rows.push_back(std::move(row));
  }

  // The composite averages only the metrics every configuration has: configurations scored on
  // different metric sets (other tasks, a failed embedding model) would not be comparable.
  std::vector<std::vector<bool>> has(labels.size(), std::vector<bool>(metrics.size(), false));
  std::vector<CompositeRow> rows;
  for (size_t l = 0; l < labels.size(); ++l) {
    CompositeRow row;
    row.config = labels[l].label;
    std::vector<const Row*> all;
    for (const Row& r : labels[l].rows) all.push_back(&r);
    for (size_t m = 0; m < metrics.size(); ++m) {
      const double v = metric_of(all, m, *aggregations[m]);
      if (std::isfinite(v)) {
        row.metrics[metrics[m]] = v;
        has[l][m] = true;
      }
    }
    rows.push_back(std::move(row));
  }
  std::vector<size_t> shared;
  for (size_t m = 0; m < metrics.size(); ++m) {
    if (std::all_of(has.begin(), has.end(), [m](const std::vector<bool>& h) { return h[m]; })) shared.push_back(m);
  }
  std::vector<std::string> shared_names;
  for (size_t m : shared) shared_names.push_back(metrics[m]);
  for (size_t l = 0; l < labels.size(); ++l) {
    std::vector<const Row*> all;
    for (const Row& r : labels[l].rows) all.push_back(&r);
    CompositeRow& row = rows[l];
    const stats::Interval ci = composite_ci(labels[l], aggregations, shared, run.seed);
    row.composite = finite_or_unset(composite_of(all, aggregations, shared));
    row.ci_low = finite_or_unset(ci.low);
    row.ci_high = finite_or_unset(ci.high);
    row.n_samples = static_cast<int64_t>(labels[l].rows.size());
    row.n_metrics = static_cast<int64_t>(shared.size());
    row.composite_metrics = shared_names;
    for (size_t m = 0; m < metrics.size(); ++m) {  // not every configuration has them
      if (has[l][m] && !std::binary_search(shared.begin(), shared.end(), m)) row.metrics_left_out.push_back(metrics[m]);
    }
  }

  // Per-metric ranks over the labels that have the metric; composite rank = mean of them.
  std::vector<double> rank_sum(rows.size(), 0), rank_n(rows.size(), 0);
  for (const std::string& m : metrics) {
    std::vector<size_t> who;
    std::vector<double> values;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (const auto it = rows[i].metrics.find(m); it != rows[i].metrics.end()) {
        who.push_back(i);
        values.push_back(it->second);
      }
    }
    const std::vector<double> ranks = ranks_of(values, higher_is_better(m));
    for (size_t k = 0; k < who.size(); ++k) {
      rank_sum[who[k]] += ranks[k];
      rank_n[who[k]] += 1;
    }
  }
  std::vector<double> mean_rank(rows.size(), NAN);
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rank_n[i] > 0) mean_rank[i] = rank_sum[i] / rank_n[i];
    rows[i].mean_metric_rank = finite_or_unset(mean_rank[i]);
  }
  if (!rows.empty()) {
    std::vector<double> keys = mean_rank;
    for (double& k : keys) k = std::isfinite(k) ? k : 1e300;
    const std::vector<double> by_metrics = stats::average_ranks(keys).ranks;
    for (size_t i = 0; i < rows.size(); ++i) rows[i].rank_by_metrics = by_metrics[i];
  }
  std::vector<size_t> order(rows.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return rows[a].composite.value_or(-1e300) > rows[b].composite.value_or(-1e300);
  });
  // A rank counts only the configurations whose whole CI lies above this one's: configurations
  // whose intervals overlap share a rank (a tie), whatever their point values.
  size_t with_value = 0;
  for (const CompositeRow& r : rows) with_value += r.composite ? 1 : 0;
  std::vector<CompositeRow> out;
  for (size_t i = 0; i < order.size(); ++i) {
    CompositeRow row = rows[order[i]];
    row.rank_by_value = static_cast<int64_t>(i) + 1;
    row.rank = 1;
    if (!row.composite) {
      row.rank = static_cast<int64_t>(with_value) + 1;
    } else {
      for (const CompositeRow& other : rows) {
        if (other.ci_low && row.ci_high && *other.ci_low > *row.ci_high) ++row.rank;
      }
    }
    out.push_back(std::move(row));
  }
  for (CompositeRow& row : out) {
    int same = 0;
    for (const CompositeRow& other : out) same += other.rank == row.rank ? 1 : 0;
    row.tied = same > 1;
  }
  return out;
}

json task_rows(std::span<const AggregateRow> rows) {
  json out = json::array();
  for (const AggregateRow& r : rows) {
    json row = config_json(r.config);
    row.update({{"task_name", r.task_name}, {"metric", r.metric}, {"n", r.n}, {"mean", finite_or_null(r.mean)},
                {"std", finite_or_null(r.std)}, {"ci_low", finite_or_null(r.ci_low)}, {"ci_high", finite_or_null(r.ci_high)},
                {"aggregation", r.aggregation}});
    out.push_back(std::move(row));
  }
  return out;
}

std::vector<AggregateRow> task_rows_of(const json& rows) {
  using namespace json_fields;
  std::vector<AggregateRow> out;
  if (!rows.is_array()) return out;
  for (const json& j : rows) {
    AggregateRow r{config_of(j),           text(j, "task_name"),  text(j, "metric"),        count(j, "n"),
                   number(j, "mean", NAN), number(j, "std", NAN), number(j, "ci_low", NAN), number(j, "ci_high", NAN),
                   text(j, "aggregation")};
    out.push_back(std::move(r));
  }
  return out;
}

namespace {

// Mean composite over the labels sharing one field (model, variant or backend).
std::vector<GroupRank> rank_by(std::span<const CompositeRow> composite_rows, std::string ConfigKey::*field) {
  std::map<std::string, std::pair<double, int>> sums;
  std::vector<std::string> order;
  for (const CompositeRow& row : composite_rows) {
    if (!row.composite) continue;
    const std::string& key = row.config.*field;
    if (!sums.count(key)) order.push_back(key);
    sums[key].first += *row.composite;
    sums[key].second += 1;
  }
  std::vector<std::pair<double, std::string>> v;
  for (const std::string& k : order) v.push_back({sums[k].first / sums[k].second, k});
  std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<GroupRank> out;
  for (size_t i = 0; i < v.size(); ++i) {
    out.push_back({v[i].second, v[i].first, sums[v[i].second].second, static_cast<int64_t>(i) + 1});
  }
  return out;
}

// Per generate task: each label's task composite (mean over the task's metrics) and the best.
std::vector<TaskRanking> rank_by_task(const RunData& run, std::span<const AggregateRow> tasks) {
  std::set<std::string> generate;
  for (const SampleRecord* r : run.ok_records()) {
    if (run.kind_of(*r) == TaskKind::kGenerate) generate.insert(r->task_name);
  }
  std::map<std::string, std::map<ConfigKey, std::pair<double, int>>> sums;
  std::vector<std::string> order;
  for (const AggregateRow& row : tasks) {
    if (!generate.count(row.task_name) || !std::isfinite(row.mean)) continue;
    if (!sums.count(row.task_name)) order.push_back(row.task_name);
    auto& s = sums[row.task_name][row.config];
    s.first += row.mean;
    s.second += 1;
  }
  std::vector<TaskRanking> out;
  for (const std::string& task : order) {
    std::vector<std::pair<double, ConfigKey>> v;
    for (const auto& [l, s] : sums[task]) v.push_back({s.first / s.second, l});
    std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    TaskRanking t{task, v.front().second.str(), {}};
    for (size_t i = 0; i < v.size(); ++i) t.rows.push_back({v[i].second, v[i].first, static_cast<int64_t>(i) + 1});
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

Rankings rankings(const RunData& run, std::span<const CompositeRow> composite_rows,
                  std::span<const AggregateRow> tasks) {
  Rankings out;
  std::vector<std::string> metrics;
  for (const CompositeRow& row : composite_rows) {
    for (const auto& [m, v] : row.metrics) {
      if (std::find(metrics.begin(), metrics.end(), m) == metrics.end()) metrics.push_back(m);
    }
  }
  std::sort(metrics.begin(), metrics.end());
  // Labels having every metric, for agreement between rankings.
  std::vector<const CompositeRow*> complete;
  for (const CompositeRow& row : composite_rows) {
    bool all = true;
    for (const std::string& m : metrics) all = all && row.metrics.count(m) > 0;
    if (all) complete.push_back(&row);
  }
  for (const std::string& m : metrics) {
    std::vector<MetricRankRow> rows;
    for (const CompositeRow& row : composite_rows) {
      const auto it = row.metrics.find(m);
      if (it != row.metrics.end()) rows.push_back({row.config, it->second, 0});
    }
    std::vector<double> values;
    for (const MetricRankRow& r : rows) values.push_back(r.value);
    const std::vector<double> ranks = ranks_of(values, higher_is_better(m));
    for (size_t i = 0; i < rows.size(); ++i) rows[i].rank = ranks[i];
    std::stable_sort(rows.begin(), rows.end(),
                     [](const MetricRankRow& a, const MetricRankRow& b) { return a.rank < b.rank; });
    out.per_metric[m] = {higher_is_better(m), std::move(rows)};
  }
  for (size_t a = 0; a < metrics.size(); ++a) {
    for (size_t b = a + 1; b < metrics.size(); ++b) {
      std::vector<double> x, y;
      for (const CompositeRow* row : complete) {
        // Signed so that "better" is larger for both metrics.
        x.push_back(row->metrics.at(metrics[a]) * (higher_is_better(metrics[a]) ? 1 : -1));
        y.push_back(row->metrics.at(metrics[b]) * (higher_is_better(metrics[b]) ? 1 : -1));
      }
      const stats::Correlation s = stats::spearman(x, y);
      const stats::Correlation k = stats::kendall_tau_b(x, y);
      out.agreement.push_back({metrics[a], metrics[b], static_cast<int64_t>(x.size()), finite_or_unset(s.r),
                               finite_or_unset(s.p), finite_or_unset(k.r), finite_or_unset(k.p)});
    }
  }
  out.by_model = rank_by(composite_rows, &ConfigKey::model);
  out.by_variant = rank_by(composite_rows, &ConfigKey::variant);
  out.by_backend = rank_by(composite_rows, &ConfigKey::backend);
  out.by_task = rank_by_task(run, tasks);
  return out;
}

}  // namespace qualm::analysis
