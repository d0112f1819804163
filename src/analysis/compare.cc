#include "analysis/compare.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "analysis/metric_info.h"
#include "records/metric_aggregation.h"
#include "stats/bootstrap.h"

namespace qualm::analysis {
namespace {

using nlohmann::json;

constexpr int kResamples = 10000;
// Fewer paired samples than this: a Δ% is flagged (small_n), its CI says more than its value.
constexpr size_t kSmallN = 20;

// One side's ok records of one label, by (task_name, sample_id, rep) (the record's key with the
// label left out, so that both sides' keys match), kld tasks left out.
struct Side {
  std::map<RecordKey, const SampleRecord*> by_key;
  std::vector<RecordKey> order;
};

RecordKey sample_key(const SampleRecord& r) { return {{}, r.task_name, r.sample_id, r.rep}; }

Side side_of(const RunData& run, const ConfigKey& label) {
  Side s;
  for (const SampleRecord* r : run.ok_records()) {
    if (r->config != label || run.kind_of(*r) == TaskKind::kKld) continue;
    const RecordKey key = sample_key(*r);
    if (s.by_key.emplace(key, r).second) s.order.push_back(key);
  }
  return s;
}

// A row's task: the group for grouped subtasks (mmlu_*), else the task.
std::string row_task(const RunData& run, const SampleRecord& r) {
  const auto it = run.tasks.find(r.task_name);
  return it != run.tasks.end() && !it->second.group.empty() ? it->second.group : r.task_name;
}

// One (task, metric) of both runs on the samples both have: each sample's state, aggregated
// as the metric declares (records/metric_aggregation.h: BLEU and chrF over their corpus).
struct Paired {
  const MetricAggregation* aggregation = nullptr;
  std::vector<std::vector<double>> base, cand;
  int64_t only_baseline = 0, only_candidate = 0;
};

// Which row a record feeds: a task name, or nullopt to leave it out.
using RowOf = std::function<std::optional<std::string>(const RunData&, const SampleRecord&)>;

struct Rows {
  std::vector<std::pair<std::string, std::string>> order;  // (task, metric)
  std::map<std::pair<std::string, std::string>, Paired> data;
  Paired& at(const std::string& task, const std::string& metric) {
    const auto key = std::make_pair(task, metric);
    if (!data.count(key)) {
      order.push_back(key);
      data[key].aggregation = &metric_aggregation(metric);
    }
    return data[key];
  }
};

Rows collect(const RunData& brun, const Side& b, const RunData& crun, const Side& c, const RowOf& row_of) {
  Rows rows;
  for (const RecordKey& key : c.order) {
    const SampleRecord& rc = *c.by_key.at(key);
    const auto task = row_of(crun, rc);
    if (!task) continue;
    const auto rb = b.by_key.find(key);
    for (const auto& [metric, value] : rc.metrics) {
      if (!rc.metric(metric) || !metric_range(metric)) continue;
      Paired& p = rows.at(*task, metric);
      const auto cv = p.aggregation->state(rc);
      std::optional<std::vector<double>> bv;
      if (rb != b.by_key.end()) bv = p.aggregation->state(*rb->second);
      if (cv && bv) {
        p.base.push_back(std::move(*bv));
        p.cand.push_back(std::move(*cv));
      } else {
        ++p.only_candidate;
      }
    }
  }
  for (const RecordKey& key : b.order) {
    const SampleRecord& rb = *b.by_key.at(key);
    const auto task = row_of(brun, rb);
    if (!task) continue;
    const auto rc = c.by_key.find(key);
    for (const auto& [metric, value] : rb.metrics) {
      if (!rb.metric(metric) || !metric_range(metric)) continue;
      if (rc == c.by_key.end() || !rc->second->metric(metric)) ++rows.at(*task, metric).only_baseline;
    }
  }
  return rows;
}

double pct(double delta, double base) { return base != 0 ? 100.0 * delta / base : NAN; }

// Percentile intervals (2.5 %, 97.5 %) of two statistics over the same bootstrap draws of n
// indices; non-finite draws are dropped.
std::array<stats::Interval, 2> bootstrap2(size_t n, uint64_t seed,
                                          const std::function<std::array<double, 2>(const std::vector<size_t>&)>& f) {
  std::vector<size_t> idx(n);
  const std::vector<stats::Interval> ci = stats::bootstrap_cis(
      n, 2,
      [&](std::span<const size_t> indices, std::span<double> out) {
        idx.assign(indices.begin(), indices.end());
        const auto v = f(idx);
        out[0] = v[0];
        out[1] = v[1];
      },
      seed, kResamples);
  return {ci[0], ci[1]};
}

std::optional<double> finite(double x) { return std::isfinite(x) ? std::optional<double>(x) : std::nullopt; }

DeltaRow delta_row(const Paired& p, const std::string& metric, uint64_t seed) {
  const double bm = aggregate_states(*p.aggregation, p.base), cm = aggregate_states(*p.aggregation, p.cand);
  const double delta = cm - bm;
  const auto ci = bootstrap2(p.base.size(), seed, [&](const std::vector<size_t>& idx) {
    const double b = aggregate_states(*p.aggregation, p.base, idx), c = aggregate_states(*p.aggregation, p.cand, idx);
    return std::array<double, 2>{c - b, pct(c - b, b)};
  });
  DeltaRow r;
  r.metric = metric;
  r.aggregation = aggregation_name(p.aggregation->kind);
  r.higher_is_better = higher_is_better(metric);
  r.n_paired = static_cast<int64_t>(p.base.size());
  r.only_baseline = p.only_baseline;
  r.only_candidate = p.only_candidate;
  r.baseline_mean = finite(bm);
  r.candidate_mean = finite(cm);
  r.delta = finite(delta);
  r.delta_ci_low = finite(ci[0].low);
  r.delta_ci_high = finite(ci[0].high);
  r.delta_pct = finite(pct(delta, bm));
  r.delta_pct_ci_low = finite(ci[1].low);
  r.delta_pct_ci_high = finite(ci[1].high);
  r.small_n = p.base.size() < kSmallN;
  return r;
}

// The composite of each side over the paired generation samples (each metric aggregated as
// declared), and its delta with a CI.
CompositeDelta composite_delta(const RunData& brun, const Side& b, const RunData& crun, const Side& c, uint64_t seed) {
  std::vector<std::string> metrics;
  std::vector<const MetricAggregation*> aggregations;
  // per sample: per metric the (baseline, candidate) states, empty where unpaired
  using States = std::array<std::vector<double>, 2>;
  std::vector<std::vector<States>> rows;
  for (const RecordKey& key : c.order) {
    const SampleRecord& rc = *c.by_key.at(key);
    const auto rb = b.by_key.find(key);
    if (rb == b.by_key.end() || crun.kind_of(rc) != TaskKind::kGenerate || brun.kind_of(*rb->second) != TaskKind::kGenerate) {
      continue;
    }
    std::vector<States> row(metrics.size());
    for (const auto& [metric, value] : rc.metrics) {
      if (!rc.metric(metric) || !rb->second->metric(metric) || !metric_range(metric)) continue;
      size_t m = std::find(metrics.begin(), metrics.end(), metric) - metrics.begin();
      if (m == metrics.size()) {
        metrics.push_back(metric);
        aggregations.push_back(&metric_aggregation(metric));
      }
      row.resize(metrics.size());
      auto bs = aggregations[m]->state(*rb->second), cs = aggregations[m]->state(rc);
      if (bs && cs) row[m] = {std::move(*bs), std::move(*cs)};
    }
    rows.push_back(std::move(row));
  }
  auto composite = [&](const std::vector<size_t>& idx) {
    std::array<double, 2> total{0, 0};
    int used = 0;
    for (size_t m = 0; m < metrics.size(); ++m) {
      std::array<std::vector<std::vector<double>>, 2> states;
      for (size_t i : idx) {
        if (m >= rows[i].size() || rows[i][m][0].empty()) continue;
        states[0].push_back(rows[i][m][0]);
        states[1].push_back(rows[i][m][1]);
      }
      if (states[0].empty()) continue;
      total[0] += aggregate_states(*aggregations[m], states[0]);
      total[1] += aggregate_states(*aggregations[m], states[1]);
      ++used;
    }
    return used > 0 ? std::array<double, 2>{total[0] / used, total[1] / used} : std::array<double, 2>{NAN, NAN};
  };
  std::vector<size_t> all(rows.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  const auto value = composite(all);
  const auto ci = bootstrap2(rows.size(), seed, [&](const std::vector<size_t>& idx) {
    const auto v = composite(idx);
    return std::array<double, 2>{v[1] - v[0], NAN};
  });
  return {finite(value[0]),
          finite(value[1]),
          finite(value[1] - value[0]),
          finite(pct(value[1] - value[0], value[0])),
          finite(ci[0].low),
          finite(ci[0].high),
          static_cast<int64_t>(rows.size()),
          static_cast<int64_t>(metrics.size())};
}

// Round `round` of pair_labels: pairs labels left on both sides whose key agrees, when the key
// leaves exactly one label on each side.
void pair_round(std::vector<ConfigKey>& base, std::vector<ConfigKey>& cand, std::vector<LabelPair>& out,
                const std::function<std::string(const ConfigKey&)>& key, const std::string& name) {
  std::map<std::string, int> nb, nc;
  for (const ConfigKey& l : base) ++nb[key(l)];
  for (const ConfigKey& l : cand) ++nc[key(l)];
  std::vector<ConfigKey> rest;
  for (const ConfigKey& c : cand) {
    const std::string k = key(c);
    const auto b = std::find_if(base.begin(), base.end(), [&](const ConfigKey& l) { return key(l) == k; });
    if (b != base.end() && nb[k] == 1 && nc[k] == 1) {
      out.push_back({*b, c, name});
      base.erase(b);
    } else {
      rest.push_back(c);
    }
  }
  cand = std::move(rest);
}

}  // namespace

const std::vector<std::string>& key_metrics() {
  static const std::vector<std::string> kKey = {"bertscore", "coherence", "rouge_l"};
  return kKey;
}

Pairing pair_labels(const std::vector<ConfigKey>& baseline, const std::vector<ConfigKey>& candidate) {
  std::vector<ConfigKey> base = baseline, cand = candidate;
  std::vector<LabelPair> found;
  pair_round(base, cand, found, [](const ConfigKey& l) { return l.str(); }, "label");
  pair_round(base, cand, found, [](const ConfigKey& l) { return l.model + "/" + l.backend; }, "model+backend");
  pair_round(base, cand, found, [](const ConfigKey& l) { return l.model; }, "model");
  pair_round(base, cand, found, [](const ConfigKey&) { return std::string(); }, "only label");
  Pairing p;
  for (const ConfigKey& c : candidate) {  // candidate order
    for (const LabelPair& f : found) {
      if (f.candidate == c) p.pairs.push_back(f);
    }
  }
  p.only_baseline = base;
  p.only_candidate = cand;
  return p;
}

ComparePair compare_pair(const RunData& brun, const ConfigKey& bl, const RunData& crun, const ConfigKey& cl,
                         const std::string& paired_by) {
  const Side b = side_of(brun, bl), c = side_of(crun, cl);
  const std::string stream = "compare|" + bl.str() + "|" + cl.str() + "|";
  ComparePair out;
  out.baseline = bl;
  out.candidate = cl;
  out.paired_by = paired_by;
  for (const auto& [key, r] : c.by_key) out.paired += static_cast<int64_t>(b.by_key.count(key));
  out.only_baseline = static_cast<int64_t>(b.by_key.size()) - out.paired;
  out.only_candidate = static_cast<int64_t>(c.by_key.size()) - out.paired;

  Rows per_task = collect(brun, b, crun, c, [](const RunData& run, const SampleRecord& r) { return row_task(run, r); });
  for (const auto& [task, metric] : per_task.order) {
    out.tasks.push_back(
        delta_row(per_task.data[{task, metric}], metric, stats::mix_seed(crun.seed, stream + task + "|" + metric)));
    out.tasks.back().task_name = task;
  }

  Rows pooled = collect(brun, b, crun, c, [](const RunData& run, const SampleRecord& r) -> std::optional<std::string> {
    if (run.kind_of(r) != TaskKind::kGenerate) return std::nullopt;
    return std::string("*");
  });
  double key_sum = 0;
  for (const auto& [task, metric] : pooled.order) {
    DeltaRow row = delta_row(pooled.data[{task, metric}], metric, stats::mix_seed(crun.seed, stream + "*|" + metric));
    if (std::find(key_metrics().begin(), key_metrics().end(), metric) != key_metrics().end() && row.delta_pct) {
      out.key_metrics.push_back(metric);
      key_sum += *row.delta_pct;
      out.key_metric_small_n = out.key_metric_small_n || row.small_n;
    }
    out.overall.push_back(std::move(row));
  }
  if (!out.key_metrics.empty()) out.key_metric_avg_delta_pct = key_sum / static_cast<double>(out.key_metrics.size());
  out.composite = composite_delta(brun, b, crun, c, stats::mix_seed(crun.seed, stream + "composite"));
  return out;
}

json compare_runs(const RunData& baseline, const RunData& candidate) {
  auto run_json = [](const RunData& r) {
    return json{{"dir", r.dir.string()}, {"run_id", r.run_id}, {"experiment", r.experiment}};
  };
  const Pairing p = pair_labels(baseline.labels(), candidate.labels());
  json pairs = json::array();
  for (const LabelPair& lp : p.pairs) {
    pairs.push_back(compare_pair(baseline, lp.baseline, candidate, lp.candidate, lp.paired_by));
  }
  json only_b = json::array(), only_c = json::array();
  for (const ConfigKey& l : p.only_baseline) only_b.push_back(config_json(l));
  for (const ConfigKey& l : p.only_candidate) only_c.push_back(config_json(l));
  return {{"baseline_run", run_json(baseline)},
          {"candidate_run", run_json(candidate)},
          {"key_metrics", key_metrics()},
          {"pairs", pairs},
          {"unpaired", {{"baseline", only_b}, {"candidate", only_c}}},
          {"note",
           "Labels pair by the same model/variant/backend, else by model+backend, model, or the only label left. "
           "Means, deltas and 95% paired bootstrap CIs are over the samples both runs have "
           "(task_name + sample_id + rep); delta % = 100 * delta / baseline mean."}};
}

QuantizationImpact quantization_impact(const RunData& run) {
  std::map<std::pair<std::string, std::string>, ConfigKey> first;  // (model, backend) -> first variant
  QuantizationImpact out;
  out.baseline_rule = "each variant against its model's first variant on the same backend";
  out.key_metrics = key_metrics();
  for (const ConfigKey& l : run.labels()) {
    const auto [it, inserted] = first.try_emplace({l.model, l.backend}, l);
    if (!inserted) out.pairs.push_back(compare_pair(run, it->second, run, l, "first variant"));
  }
  out.note = out.pairs.empty() ? "no model has a second variant on the same backend"
                               : "means, deltas and 95% paired bootstrap CIs over the samples both variants have "
                                 "(task_name + sample_id + rep); delta % = 100 * delta / baseline mean";
  return out;
}

}  // namespace qualm::analysis
