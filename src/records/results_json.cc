#include "records/results_json.h"

#include <cmath>
#include <set>

#include "eval/kld_eval.h"
#include "eval/mc_eval.h"
#include "eval/rolling_eval.h"
#include "records/mc_results.h"
#include "stats/moments.h"
#include "tasks/rolling_docs.h"

namespace qualm {
namespace {

using nlohmann::json;

bool failed(const json& r) {
  const auto e = r.find("error");
  return e != r.end() && !e->is_null();
}

int64_t count_of(const json& r, const char* key) {
  const auto v = r.find(key);
  if (v == r.end()) return 0;
  if (v->is_boolean()) return v->get<bool>() ? 1 : 0;
  return v->is_number() ? v->get<int64_t>() : 0;
}

// One metric over the records that count for it, as metric_aggregation() declares.
MetricResult metric_over(const std::string& name, std::span<const json* const> records) {
  const MetricAggregation& aggregation = metric_aggregation(name);
  MetricResult m{name, NAN, std::nullopt, aggregation.kind, 0};
  std::vector<std::vector<double>> states;
  stats::MomentSums values;
  for (const json* r : records) {
    auto state = aggregation.state(*r);
    if (!state) continue;
    if (aggregation.kind == AggregationKind::kMean) values.add((*state)[0]);
    states.push_back(std::move(*state));
  }
  m.n = static_cast<int64_t>(states.size());
  if (!states.empty()) m.value = aggregate_states(aggregation, states);
  if (aggregation.kind == AggregationKind::kMean) m.stderr_ = values.stderr_of_mean();
  return m;
}

// A figure of a summary (rolling, kld), weighted over the documents' tokens.
MetricResult summary_figure(const std::string& name, const std::map<std::string, double>& summary, int64_t n) {
  const auto it = summary.find(name);
  return {name, it == summary.end() ? NAN : it->second, std::nullopt, AggregationKind::kWeighted, n};
}

void count_records(TaskResult& t, std::span<const json* const> records) {
  t.docs = static_cast<int64_t>(records.size());
  for (const json* r : records) {
    const int64_t unknown = count_of(*r, "unknown_tokens");
    t.unknown_tokens += unknown;
    t.docs_with_unknown += unknown > 0 ? 1 : 0;
    if (failed(*r)) {
      ++t.errors;
      continue;
    }
    ++t.n;
    t.truncated += count_of(*r, "truncated");
    t.split_differs += count_of(*r, "split_differs");
    t.multi_window += count_of(*r, "n_windows") > 1 ? 1 : 0;
  }
}

std::vector<const json*> scored(std::span<const json* const> records) {
  std::vector<const json*> out;
  for (const json* r : records) {
    if (!failed(*r)) out.push_back(r);
  }
  return out;
}

void generate_metrics(TaskResult& t, std::span<const json* const> records) {
  std::set<std::string> names;
  for (const json* r : records) {
    const json metrics = r->value("metrics", json::object());
    for (const auto& [name, value] : metrics.items()) names.insert(name);
  }
  for (const std::string& name : names) t.metrics.push_back(metric_over(name, records));
  for (const json* r : records) {
    const json skipped = r->value("metrics_skipped", json::object());
    for (const auto& [name, why] : skipped.items()) {
      if (!names.contains(name) && why.is_string()) t.skipped.emplace(name, why.get<std::string>());
    }
  }
}

void rolling_metrics_of(TaskResult& t, std::span<const json* const> records) {
  double ll = 0, tokens = 0, words = 0, bytes = 0;
  for (const json* r : records) {
    const json& m = r->at("metrics");
    ll += m.value("loglikelihood", 0.0);
    tokens += m.value("n_tokens", 0.0);
    words += m.value("words", 0.0);
    bytes += m.value("bytes", 0.0);
  }
  t.summary = rolling_metrics(ll, std::llround(tokens), std::llround(words), std::llround(bytes));
  for (const std::string& name : rolling_task_metrics(*t.outline->spec)) t.metrics.push_back(metric_over(name, records));
}

void kld_metrics_of(TaskResult& t, std::span<const json* const> records) {
  KldAccumulator all;
  std::map<std::string, KldAccumulator> by_category;
  for (const json* r : records) {
    const auto state = KldAccumulator::from_json(r->value("kld_state", json()));
    if (!state) continue;
    all.merge(*state);
    const std::string category = r->value("category", "");
    if (!category.empty()) {
      by_category[category].merge(*state);
      ++t.category_docs[category];
    }
  }
  t.summary = kld_metrics(all.summarize());
  for (const auto& [category, acc] : by_category) t.categories[category] = kld_metrics(acc.summarize());
  for (const std::string& name : rolling_task_metrics(*t.outline->spec)) {
    t.metrics.push_back(summary_figure(name, t.summary, t.n));
  }
}

// lm-eval's group row: the members' documents pooled (aggregate_group).
GroupResult group_of(const std::string& name, const std::vector<size_t>& members, const std::vector<TaskResult>& tasks) {
  static const std::vector<std::pair<std::string, McMetric McMetrics::*>> kFields = {
      {"acc", &McMetrics::acc}, {"acc_norm", &McMetrics::acc_norm}, {"acc_bytes", &McMetrics::acc_bytes},
      {"acc_token_mean", &McMetrics::acc_token_mean}};
  GroupResult g{name, members, {}, 0, 0};
  std::vector<McMetrics> each;
  for (size_t i : members) {
    McMetrics m;
    m.n = static_cast<int>(tasks[i].n);
    for (const MetricResult& x : tasks[i].metrics) {
      for (const auto& [field_name, field] : kFields) {
        if (x.name == field_name) m.*field = McMetric{std::isnan(x.value) ? 0.0 : x.value, x.stderr_.value_or(0.0)};
      }
    }
    each.push_back(m);
    g.truncated += tasks[i].truncated;
  }
  const McMetrics pooled = aggregate_group(each);
  g.n = pooled.n;
  for (const auto& [field_name, field] : kFields) {
    g.metrics.push_back({field_name, (pooled.*field).value, (pooled.*field).stderr_, AggregationKind::kMean, pooled.n});
  }
  return g;
}

json number_or_null(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }

json row_json(const std::vector<MetricResult>& metrics, int64_t n, bool with_stderr) {
  json row = json::object();
  for (const MetricResult& m : metrics) {
    row[m.name] = number_or_null(m.value);
    if (with_stderr) row[m.name + "_stderr"] = m.stderr_ ? number_or_null(*m.stderr_) : json(nullptr);
  }
  row["n"] = n;
  return row;
}

json details_json(const TaskResult& t) {
  const TaskOutline& o = *t.outline;
  json d = {{"output_type", o.kind == TaskKind::kMultipleChoice ? "multiple_choice" : o.spec->output_type.text},
            {"task_type", o.spec->task_type},
            {"num_fewshot", o.num_fewshot},
            {"dataset", o.dataset},
            {"dataset_docs", o.dataset_docs},
            {"errors", t.errors},
            {"unknown_tokens", t.unknown_tokens},
            {"docs_with_unknown_tokens", t.docs_with_unknown},
            {"task_file", o.spec->file.string()}};
  if (!o.group.empty()) d["group"] = o.group;
  if (o.kind == TaskKind::kMultipleChoice || o.kind == TaskKind::kGenerate) d["truncated"] = t.truncated;
  if (o.kind == TaskKind::kMultipleChoice) d["split_differs"] = t.split_differs;
  if (o.kind == TaskKind::kGenerate) {
    json aggregation = json::object();
    for (const MetricResult& m : t.metrics) aggregation[m.name] = {{"aggregation", aggregation_name(m.aggregation)}, {"n", m.n}};
    d["metrics"] = aggregation;
    d["skipped_metrics"] = t.skipped;
  }
  if (o.kind == TaskKind::kRolling || o.kind == TaskKind::kKld) {
    d["windows"] = "lm-eval rolling: the backend's window, every token scored once";
    d["multi_window_docs"] = t.multi_window;
    d["summary"] = t.summary;
  }
  if (o.kind == TaskKind::kKld) {
    d["base_model"] = o.base_model;
    d["categories"] = t.categories;
    d["category_docs"] = t.category_docs;
  }
  return d;
}

}  // namespace

EvalResults results_from_records(std::span<const TaskOutline> tasks, std::span<const json> records) {
  std::map<std::string, std::vector<const json*>> by_task;
  for (const json& r : records) by_task[r.value("task_name", "")].push_back(&r);
  EvalResults out;
  for (const TaskOutline& o : tasks) {
    TaskResult t;
    t.outline = &o;
    const std::vector<const json*>& all = by_task[o.name];
    count_records(t, all);
    const std::vector<const json*> ok = scored(all);
    switch (o.kind) {
      case TaskKind::kMultipleChoice:
        for (const std::string& name : task_metrics(*o.spec)) t.metrics.push_back(metric_over(name, ok));
        break;
      case TaskKind::kGenerate: generate_metrics(t, ok); break;
      case TaskKind::kRolling: rolling_metrics_of(t, ok); break;
      case TaskKind::kKld: kld_metrics_of(t, ok); break;
    }
    out.tasks.push_back(std::move(t));
  }
  std::vector<std::pair<std::string, std::vector<size_t>>> groups;
  for (size_t i = 0; i < out.tasks.size(); ++i) {
    const TaskOutline& o = *out.tasks[i].outline;
    if (o.group.empty() || o.kind != TaskKind::kMultipleChoice) continue;
    if (groups.empty() || groups.back().first != o.group) groups.push_back({o.group, {}});
    groups.back().second.push_back(i);
  }
  for (const auto& [name, members] : groups) out.groups.push_back(group_of(name, members, out.tasks));
  return out;
}

json results_json(const EvalResults& r) {
  json results = json::object(), details = json::object(), groups = json::object();
  for (const TaskResult& t : r.tasks) {
    const TaskKind kind = t.outline->kind;
    const bool with_stderr = kind == TaskKind::kMultipleChoice || kind == TaskKind::kGenerate;
    results[t.outline->name] = row_json(t.metrics, t.n, with_stderr);
    details[t.outline->name] = details_json(t);
  }
  for (const GroupResult& g : r.groups) {
    results[g.name] = row_json(g.metrics, g.n, true);
    json members = json::array();
    for (size_t m : g.members) members.push_back(r.tasks[m].outline->name);
    groups[g.name] = {{"tasks", members}, {"aggregation", "micro (mean over every document)"}, {"truncated", g.truncated}};
  }
  return {{"results", results}, {"tasks", details}, {"groups", groups}};
}

}  // namespace qualm
