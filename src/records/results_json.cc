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

// One metric over the records that count for it, as metric_aggregation() declares.
MetricResult metric_over(const std::string& name, std::span<const SampleRecord* const> records) {
  const MetricAggregation& aggregation = metric_aggregation(name);
  MetricResult m{name, NAN, std::nullopt, aggregation.kind, 0};
  std::vector<std::vector<double>> states;
  stats::MomentSums values;
  for (const SampleRecord* r : records) {
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

void count_records(TaskResult& t, std::span<const SampleRecord* const> records) {
  t.docs = static_cast<int64_t>(records.size());
  for (const SampleRecord* r : records) {
    const int64_t unknown = r->unknown_tokens.value_or(0);
    t.unknown_tokens += unknown;
    t.docs_with_unknown += unknown > 0 ? 1 : 0;
    if (!r->ok()) {
      ++t.errors;
      continue;
    }
    ++t.n;
    t.truncated += r->truncated ? 1 : 0;
    t.split_differs += r->split_differs.value_or(false) ? 1 : 0;
    t.multi_window += r->n_windows.value_or(0) > 1 ? 1 : 0;
  }
}

std::vector<const SampleRecord*> scored(std::span<const SampleRecord* const> records) {
  std::vector<const SampleRecord*> out;
  for (const SampleRecord* r : records) {
    if (r->ok()) out.push_back(r);
  }
  return out;
}

void generate_metrics(TaskResult& t, std::span<const SampleRecord* const> records) {
  std::set<std::string> names;
  for (const SampleRecord* r : records) {
    for (const auto& [name, value] : r->metrics) names.insert(name);
  }
  std::set<std::string> valued;
  for (const std::string& name : names) {
    MetricResult m = metric_over(name, records);
    if (m.n == 0) continue;  // every value null (repetition of short outputs): metrics_skipped says why
    valued.insert(name);
    t.metrics.push_back(std::move(m));
  }
  for (const SampleRecord* r : records) {
    for (const auto& [name, why] : r->metrics_skipped) {
      if (!valued.contains(name)) t.skipped.emplace(name, why);
    }
  }
}

void rolling_metrics_of(TaskResult& t, std::span<const SampleRecord* const> records) {
  double ll = 0, tokens = 0, words = 0, bytes = 0;
  for (const SampleRecord* r : records) {
    const auto add = [&](double& sum, const char* metric) {
      if (const auto it = r->metrics.find(metric); it != r->metrics.end()) sum += it->second;
    };
    add(ll, "loglikelihood");
    add(tokens, "n_tokens");
    add(words, "words");
    add(bytes, "bytes");
  }
  t.summary = rolling_metrics(ll, std::llround(tokens), std::llround(words), std::llround(bytes));
  for (const std::string& name : rolling_task_metrics(*t.outline->spec)) t.metrics.push_back(metric_over(name, records));
}

void kld_metrics_of(TaskResult& t, std::span<const SampleRecord* const> records) {
  KldAccumulator all;
  std::map<std::string, KldAccumulator> by_category;
  for (const SampleRecord* r : records) {
    const std::optional<KldAccumulator>& state = r->kld_state;
    if (!state) continue;
    all.merge(*state);
    const std::string category = r->category.value_or("");
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
  json d = {{"output_type", o.spec->output_type.text},
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

EvalResults results_from_records(std::span<const TaskOutline> tasks, std::span<const SampleRecord> records) {
  std::map<std::string, std::vector<const SampleRecord*>> by_task;
  for (const SampleRecord& r : records) by_task[r.task_name].push_back(&r);
  EvalResults out;
  for (const TaskOutline& o : tasks) {
    TaskResult t;
    t.outline = &o;
    const std::vector<const SampleRecord*>& all = by_task[o.name];
    count_records(t, all);
    const std::vector<const SampleRecord*> ok = scored(all);
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
