#include "analysis/summary.h"

#include "analysis/benchmarks.h"
#include "analysis/compare.h"
#include "analysis/disagreements.h"
#include "analysis/equivalence.h"
#include "analysis/examples.h"
#include "analysis/invariants.h"
#include "analysis/json_fields.h"
#include "analysis/kld_summary.h"
#include "analysis/pareto.h"
#include "analysis/power_analysis.h"
#include "analysis/quant_harm.h"
#include "analysis/rankings.h"
#include "analysis/router.h"
#include "analysis/scaling.h"
#include "analysis/variance.h"

namespace qualm::analysis {

using nlohmann::json;

namespace {

const json_fields::Counts<RecordCounts> kCounts = {
    {"evaluated", &RecordCounts::evaluated},
    {"skipped", &RecordCounts::skipped},
    {"skipped_cells", &RecordCounts::skipped_cells},
    {"errors", &RecordCounts::errors},
    {"truncated", &RecordCounts::truncated},
    {"planned", &RecordCounts::planned},
    {"unknown_tokens", &RecordCounts::unknown_tokens},
    {"samples_with_unknown_tokens", &RecordCounts::samples_with_unknown_tokens}};

}  // namespace

void to_json(json& j, const RecordCounts& c) {
  j = json::object();
  json_fields::write(j, c, {}, kCounts);
}

void from_json(const json& j, RecordCounts& c) { json_fields::read(j, c, {}, kCounts); }

void to_json(json& j, const ErrorRecord& e) {
  j = config_json(e.config);
  j.update({{"task_name", e.task_name}, {"sample_id", e.sample_id}, {"error", e.error}});
}

void from_json(const json& j, ErrorRecord& e) {
  using namespace json_fields;
  e = {config_of(j), text(j, "task_name"), count(j, "sample_id"),
       member(j, "error").is_string() ? text(j, "error") : member(j, "error").dump()};
}

RecordCounts record_counts(const RunData& run) {
  RecordCounts c;
  for (const SampleRecord& r : run.records) {
    ++(r.ok() ? c.evaluated : c.errors);
    if (r.truncated) ++c.truncated;
    if (r.unknown_tokens.value_or(0) > 0) {
      c.unknown_tokens += *r.unknown_tokens;
      ++c.samples_with_unknown_tokens;
    }
  }
  for (const json& s : json_fields::items(run.manifest, "skipped")) c.skipped += json_fields::count(s, "samples");
  c.skipped_cells = run.skipped_cells;
  c.planned = run.planned;
  return c;
}

namespace {

// Each typed section once, under its summary.json key: to_json and from_json both walk this.
template <class S, class F>
void each_section(S& s, F&& f) {
  f("experiment", s.experiment);
  f("run_id", s.run_id);
  f("counts", s.counts);
  f("composite", s.composite);
  f("tasks", s.tasks);
  f("benchmarks", s.benchmarks);
  f("rankings", s.rankings);
  f("backend_equivalence", s.backend_equivalence);
  f("power", s.power);
  f("quantization_impact", s.quantization_impact);
  f("quantization_harm", s.quantization_harm);
  f("kld", s.kld);
  f("sampling_variance", s.sampling_variance);
  f("examples", s.examples);
  f("disagreements", s.disagreements);
  f("task_router", s.task_router);
  f("scaling_fit", s.scaling_fit);
  f("pareto", s.pareto);
  f("invariants", s.invariants);
  f("errors", s.errors);
  f("gates", s.gates);
}

template <class T>
json section_json(const T& section) {
  return section;
}
json section_json(const std::vector<AggregateRow>& rows) { return task_rows(rows); }

template <class T>
void read_section(const json& j, T& section) {
  section = j.get<T>();
}
template <class T>
void read_section(const json& j, std::vector<T>& rows) {
  if (!j.is_array()) return;
  for (const json& row : j) rows.push_back(row.get<T>());
}
void read_section(const json& j, std::vector<AggregateRow>& rows) { rows = task_rows_of(j); }
void read_section(const json& j, std::string& text) { text = j.is_string() ? j.get<std::string>() : ""; }

}  // namespace

void to_json(json& j, const Summary& s) {
  j = json::object();
  each_section(s, [&](const char* key, const auto& section) { j[key] = section_json(section); });
}

void from_json(const json& j, Summary& s) {
  s = {};
  if (!j.is_object()) return;
  each_section(s, [&](const char* key, auto& section) { read_section(json_fields::member(j, key), section); });
}

Summary make_summary(const RunData& run, std::span<const AggregateRow> rows) {
  Summary out;
  out.experiment = run.experiment;
  out.run_id = run.run_id;
  out.counts = record_counts(run);
  out.composite = composite(run);
  out.tasks.assign(rows.begin(), rows.end());
  out.rankings = rankings(run, out.composite, out.tasks);
  out.benchmarks = benchmarks(run);
  out.backend_equivalence = backend_equivalence(run);
  out.power = power_analysis(run, out.tasks);
  out.quantization_impact = quantization_impact(run);
  out.kld = kld_summary(run);
  out.quantization_harm = quantization_harm(run, out.kld);
  out.sampling_variance = sampling_variance(run);
  out.examples = side_by_side_examples(run);
  out.disagreements = disagreements(run);
  out.task_router = task_router(run);
  out.scaling_fit = scaling_fit(run, out.composite);
  out.pareto = pareto(run, out.composite);
  out.invariants = invariants(run);
  for (const SampleRecord& r : run.records) {
    if (!r.ok()) out.errors.push_back({r.config, r.task_name, r.sample_id, *r.error});
  }
  return out;
}

}  // namespace qualm::analysis
