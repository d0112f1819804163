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

json record_counts(const RunData& run) {
  int64_t evaluated = 0, errors = 0, truncated = 0, unknown = 0, with_unknown = 0;
  for (const SampleRecord& r : run.records) {
    if (!r.ok())
      ++errors;
    else
      ++evaluated;
    if (r.truncated) ++truncated;
    if (r.unknown_tokens.value_or(0) > 0) {
      unknown += *r.unknown_tokens;
      ++with_unknown;
    }
  }
  int64_t skipped = 0;
  for (const json& s : run.manifest.value("skipped", json::array())) skipped += s.value("samples", int64_t{0});
  return {{"evaluated", evaluated},
          {"skipped", skipped},
          {"skipped_cells", run.skipped_cells},
          {"errors", errors},
          {"truncated", truncated},
          {"planned", run.planned},
          // Characters the vocabulary cannot encode, each run of them one unknown token.
          {"unknown_tokens", unknown},
          {"samples_with_unknown_tokens", with_unknown}};
}

namespace {

// The typed sections' keys in summary.json.
constexpr const char* kComposite = "composite";
constexpr const char* kTasks = "tasks";
constexpr const char* kBenchmarks = "benchmarks";
constexpr const char* kImpact = "quantization_impact";
constexpr const char* kHarm = "quantization_harm";
constexpr const char* kKld = "kld";
constexpr const char* kDisagreements = "disagreements";

}  // namespace

void to_json(json& j, const Summary& s) {
  j = s.rest.is_object() ? s.rest : json::object();
  j[kComposite] = s.composite;
  j[kTasks] = task_rows(s.tasks);
  j[kBenchmarks] = s.benchmarks;
  j[kImpact] = s.quantization_impact;
  j[kHarm] = s.quantization_harm;
  j[kKld] = s.kld;
  j[kDisagreements] = s.disagreements;
}

void from_json(const json& j, Summary& s) {
  s = {};
  if (!j.is_object()) return;
  s.rest = j;
  for (const char* key : {kComposite, kTasks, kBenchmarks, kImpact, kHarm, kKld, kDisagreements}) s.rest.erase(key);
  using json_fields::member;
  for (const json& row : json_fields::items(j, kComposite)) s.composite.push_back(row.get<CompositeRow>());
  s.tasks = task_rows_of(member(j, kTasks));
  for (const json& row : json_fields::items(j, kBenchmarks)) s.benchmarks.push_back(row.get<BenchmarkRow>());
  s.quantization_impact = member(j, kImpact).get<QuantizationImpact>();
  s.quantization_harm = member(j, kHarm).get<QuantizationHarm>();
  s.kld = member(j, kKld).get<KldSummary>();
  s.disagreements = member(j, kDisagreements).get<Disagreements>();
}

Summary make_summary(const RunData& run, std::span<const AggregateRow> rows) {
  json errors = json::array();
  for (const SampleRecord& r : run.records) {
    if (r.ok()) continue;
    json e = config_json(r.config);
    e.update({{"task_name", r.task_name}, {"sample_id", r.sample_id}, {"error", *r.error}});
    errors.push_back(std::move(e));
  }
  Summary out;
  json& s = out.rest;
  s = {{"experiment", run.experiment}, {"run_id", run.run_id}, {"counts", record_counts(run)}};
  out.composite = composite(run);
  out.tasks.assign(rows.begin(), rows.end());
  s["rankings"] = rankings(run, out.composite, out.tasks);
  out.benchmarks = benchmarks(run);
  s["backend_equivalence"] = backend_equivalence(run);
  s["power"] = power_analysis(run, out.tasks);
  out.quantization_impact = quantization_impact(run);
  out.kld = kld_summary(run);
  out.quantization_harm = quantization_harm(run, out.kld);
  s["sampling_variance"] = sampling_variance(run);
  s["examples"] = side_by_side_examples(run);
  out.disagreements = disagreements(run);
  s["task_router"] = task_router(run);
  s["scaling_fit"] = scaling_fit(run, out.composite);
  s["pareto"] = pareto(run, out.composite);
  s["invariants"] = invariants(run);
  s["errors"] = errors;
  return out;
}

}  // namespace qualm::analysis
