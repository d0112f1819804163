#include "analysis/gates.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include "analysis/compare.h"
#include "analysis/json_fields.h"
#include "analysis/quant_harm.h"
#include "config/gate.h"
#include "core/did_you_mean.h"
#include "records/aggregate.h"

namespace qualm::analysis {
namespace {

using nlohmann::json;

std::string fmt(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", x);
  return buf;
}

bool task_matches(const RunData& run, const SampleRecord& r, const std::string& task) {
  if (task.empty()) return true;
  if (r.task_name == task) return true;
  const auto it = run.tasks.find(r.task_name);
  return it != run.tasks.end() && it->second.group == task;
}

struct CellStats {
  int64_t n = 0;
  double mean = NAN, ci_low = NAN, ci_high = NAN;
};

// The label's matching values summarised as aggregate.csv does: the rows keyed by the gate's
// task, or by the one task they come from, or "*".
std::optional<CellStats> cell_stats(const RunData& run, const ConfigKey& label, const Gate& g) {
  // Each a record of the label with the gate's metric alone.
  std::vector<SampleRecord> picked;
  std::set<std::string> tasks;
  for (const SampleRecord* r : run.ok_records()) {
    if (r->config != label || !task_matches(run, *r, g.task)) continue;
    const auto v = r->metric(g.metric);
    if (!v) continue;
    tasks.insert(r->task_name);
    SampleRecord p;
    p.config = label;
    p.metrics[g.metric] = *v;
    picked.push_back(std::move(p));
  }
  if (picked.empty()) return std::nullopt;
  const std::string key = !g.task.empty() ? g.task : tasks.size() == 1 ? *tasks.begin() : "*";
  for (SampleRecord& p : picked) p.task_name = key;
  const std::vector<AggregateRow> rows = aggregate_records(picked, run.seed);
  return CellStats{rows.at(0).n, rows.at(0).mean, rows.at(0).ci_low, rows.at(0).ci_high};
}

std::string what_matches(const Gate& g) {
  std::string s = g.metric;
  if (!g.task.empty()) s += " on task " + g.task;
  if (!g.model.empty()) s += " for model " + g.model;
  return s;
}

// Names, comma-separated, at most a dozen.
std::string list(const std::set<std::string>& names) {
  constexpr size_t kShown = 12;
  std::string s;
  size_t i = 0;
  for (const std::string& n : names) {
    if (i++ == kShown) return s + ", ... (" + std::to_string(names.size() - kShown) + " more)";
    s += (s.empty() ? "" : ", ") + n;
  }
  return s;
}

// Why nothing matched: the model, the task or the metric the run lacks.
std::string no_match_detail(const RunData& run, const Gate& g) {
  std::set<std::string> models, tasks, metrics;
  for (const SampleRecord* r : run.ok_records()) {
    models.insert(r->config.model);
    if (!g.model.empty() && r->config.model != g.model) continue;
    tasks.insert(r->task_name);
    if (const auto t = run.tasks.find(r->task_name); t != run.tasks.end() && !t->second.group.empty()) {
      tasks.insert(t->second.group);
    }
    if (!task_matches(run, *r, g.task)) continue;
    for (const auto& [name, value] : r->metrics) metrics.insert(name);
  }
  std::string out = "no records match: " + what_matches(g) + "; ";
  auto hint = [](const std::string& word, const std::set<std::string>& names) {
    const auto near = closest_match(word, std::vector<std::string>(names.begin(), names.end()));
    return near ? " (did you mean " + *near + "?)" : std::string();
  };
  if (!g.model.empty() && !models.count(g.model)) {
    return out + "the run has no model " + g.model + hint(g.model, models) + "; models: " + list(models);
  }
  if (!g.task.empty() && !tasks.count(g.task)) {
    return out + "the run has no task " + g.task + hint(g.task, tasks) + "; tasks: " + list(tasks);
  }
  return out + "the matching records have no metric " + g.metric + hint(g.metric, metrics) +
         "; metrics: " + list(metrics);
}

GateResult base_row(const Gate& g) {
  GateResult row;
  row.gate = g.text;
  if (!g.task.empty()) row.task = g.task;
  row.metric = g.metric;
  return row;
}

void set_config(GateResult& row, const ConfigKey& l) {
  row.model = l.model;
  row.variant = l.variant;
  row.backend = l.backend;
}

double pick(const CellStats& s, GateValue v) {
  return v == GateValue::kBaselineMean ? s.mean : v == GateValue::kBaselineCiLow ? s.ci_low : s.ci_high;
}

void evaluate_one(const Gate& g, const RunData& run, const RunData* baseline, std::vector<GateResult>& out) {
  std::vector<std::pair<ConfigKey, CellStats>> cells;
  for (const ConfigKey& l : run.labels()) {
    if (!g.model.empty() && l.model != g.model) continue;
    if (const auto s = cell_stats(run, l, g)) cells.emplace_back(l, *s);
  }
  if (cells.empty()) {
    GateResult row = base_row(g);
    row.status = "FAIL";
    if (!g.model.empty()) row.model = g.model;
    row.detail = no_match_detail(run, g);
    out.push_back(row);
    return;
  }
  std::map<ConfigKey, ConfigKey> base_of;  // label -> its baseline label
  if (g.needs_baseline() && baseline) {
    for (const LabelPair& p : pair_labels(baseline->labels(), run.labels()).pairs) base_of[p.candidate] = p.baseline;
  } else if (g.needs_baseline()) {
    std::map<std::pair<std::string, std::string>, ConfigKey> first;
    for (const ConfigKey& l : run.labels()) first.try_emplace({l.model, l.backend}, l);
    for (const ConfigKey& l : run.labels()) base_of[l] = first.at({l.model, l.backend});
  }
  const RunData& base_run = baseline ? *baseline : run;
  size_t rows_before = out.size();
  for (const auto& [label, stats] : cells) {
    GateResult row = base_row(g);
    set_config(row, label);
    row.n = stats.n;
    row.actual = finite_or_unset(stats.mean);
    double threshold = g.value;
    if (g.needs_baseline()) {
      const auto b = base_of.find(label);
      if (b == base_of.end()) {
        row.detail = "the baseline run has no configuration to pair with " + label.str();
        out.push_back(row);
        continue;
      }
      if (!baseline && b->second == label) continue;  // the first variant is the baseline itself
      const auto bs = cell_stats(base_run, b->second, g);
      row.baseline = GateBaseline{b->second, bs ? bs->n : 0};
      if (!bs) {
        row.detail = "the baseline " + b->second.str() + " has no values of " + what_matches(g);
        out.push_back(row);
        continue;
      }
      threshold = pick(*bs, g.value_kind);
    }
    if (!std::isfinite(threshold) || !std::isfinite(stats.mean)) {
      row.detail = "the threshold or the actual value is not a number";
      out.push_back(row);
      continue;
    }
    const bool pass = g.passes(stats.mean, threshold);
    row.status = pass ? "PASS" : "FAIL";
    row.threshold = threshold;
    row.by = g.margin(stats.mean, threshold);
    std::string value =
        g.needs_baseline() ? std::string(value_text(g.value_kind)) + " " + fmt(threshold) : fmt(threshold);
    row.detail = "mean " + fmt(stats.mean) + " over " + std::to_string(stats.n) + " records " + (pass ? "" : "not ") +
                 op_text(g.op) + " " + value;
    out.push_back(row);
  }
  if (out.size() == rows_before) {  // in qualm run, every match was its own baseline
    GateResult row = base_row(g);
    set_config(row, cells.front().first);
    row.detail =
        "baseline.* needs a baseline: in qualm run it is the model's first variant on the same backend, "
        "and " +
        what_matches(g) +
        " has no other variant to compare (add a variant, or use qualm compare "
        "BASELINE_RUN CANDIDATE_RUN)";
    out.push_back(row);
  }
}

// harm.NAME: each variant but the base of each (model, backend) in the study.
void evaluate_harm(const Gate& g, const QuantizationHarm& harm, std::vector<GateResult>& out) {
  const std::string figure = g.harm_figure();
  size_t rows_before = out.size();
  std::set<std::string> models;
  for (const HarmModel& m : harm.models) {
    models.insert(m.model);
    if (!g.model.empty() && m.model != g.model) continue;
    for (const HarmVariant& v : m.variants) {
      if (v.is_base) continue;
      const HarmFigure f = harm_figure(m, v, figure);
      GateResult row = base_row(g);
      set_config(row, {m.model, v.variant, m.backend});
      row.task = f.task;
      row.n = f.n.value_or(0);
      row.actual = f.value;
      row.baseline = GateBaseline{{m.model, m.base_variant, m.backend}, std::nullopt};
      if (!f.value) {
        row.status = "FAIL";
        row.detail = "no value: " + f.detail;
        out.push_back(row);
        continue;
      }
      const double actual = *f.value;
      const bool pass = g.passes(actual, g.value);
      row.status = pass ? "PASS" : "FAIL";
      row.threshold = g.value;
      row.by = g.margin(actual, g.value);
      row.detail =
          fmt(actual) + " " + (pass ? "" : "not ") + op_text(g.op) + " " + fmt(g.value) + " (" + f.detail + ")";
      out.push_back(row);
    }
  }
  if (out.size() > rows_before) return;
  GateResult row = base_row(g);
  row.status = "FAIL";
  if (models.empty()) {
    row.detail = "no value: the run has no records of a wikitext, kld or generate task";
  } else if (!g.model.empty() && !models.count(g.model)) {
    row.model = g.model;
    row.detail = "the quantization harm study has no model " + g.model + "; models: " + list(models);
  } else {
    row.detail = "no variant to compare: harm gates check each variant against its model's first variant, and " +
                 (g.model.empty() ? std::string("every model") : g.model) + " has only one in this run";
  }
  out.push_back(row);
}

}  // namespace

void to_json(json& j, const GateResult& r) {
  using json_fields::or_null;
  j = {{"gate", r.gate},
       {"status", r.status},
       {"model", or_null(r.model)},
       {"variant", or_null(r.variant)},
       {"backend", or_null(r.backend)},
       {"task", or_null(r.task)},
       {"metric", or_null(r.metric)},
       {"n", r.n},
       {"actual", or_null(r.actual)},
       {"threshold", or_null(r.threshold)},
       {"by", or_null(r.by)},
       {"detail", r.detail}};
  if (r.baseline) {
    json b = config_json(r.baseline->config);
    if (r.baseline->n) b["n"] = *r.baseline->n;
    j["baseline"] = b;
  }
}

void from_json(const json& j, GateResult& r) {
  using namespace json_fields;
  r = {};
  r.gate = text(j, "gate");
  r.status = text(j, "status");
  r.model = maybe_text(j, "model");
  r.variant = maybe_text(j, "variant");
  r.backend = maybe_text(j, "backend");
  r.task = maybe_text(j, "task");
  r.metric = maybe_text(j, "metric");
  r.n = count(j, "n");
  r.actual = maybe_number(j, "actual");
  r.threshold = maybe_number(j, "threshold");
  r.by = maybe_number(j, "by");
  if (const json& b = member(j, "baseline"); b.is_object()) {
    r.baseline = GateBaseline{
        config_of(b), member(b, "n").is_number_integer() ? std::optional<int64_t>(count(b, "n")) : std::nullopt};
  }
  r.detail = text(j, "detail");
}

std::vector<GateResult> evaluate_gates(const std::vector<std::string>& gates, const RunData& run,
                                       const RunData* baseline, const QuantizationHarm* harm) {
  std::vector<GateResult> out;
  QuantizationHarm computed;  // when the caller has none: computed for the first harm gate
  for (const std::string& text : gates) {
    const GateParse parsed = read_gate(text);
    if (!parsed.gate) {
      GateResult row;
      row.gate = text;
      row.detail = parsed.problem.problem + " (" + parsed.problem.fix + ")";
      out.push_back(row);
      continue;
    }
    if (parsed.gate->is_harm()) {
      if (harm == nullptr) {
        computed = quantization_harm(run);
        harm = &computed;
      }
      evaluate_harm(*parsed.gate, *harm, out);
      continue;
    }
    evaluate_one(*parsed.gate, run, baseline, out);
  }
  return out;
}

bool gates_failed(std::span<const GateResult> results) {
  return std::any_of(results.begin(), results.end(), [](const GateResult& r) { return r.status != "PASS"; });
}

std::string describe_gate_result(const GateResult& r) {
  std::string s = r.gate + ": " + r.status;
  if (r.model && r.variant) s += " for " + *r.model + "/" + *r.variant + "/" + r.backend.value_or("");
  if (r.actual && r.threshold && r.by) {
    return s + ": " + fmt(*r.actual) + " vs " + fmt(*r.threshold) + " (by " + (*r.by >= 0 ? "+" : "") + fmt(*r.by) +
           ")";
  }
  return s + ": " + r.detail;
}

}  // namespace qualm::analysis
