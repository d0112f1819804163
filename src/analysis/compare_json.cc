// summary.json's `quantization_impact` and compare.json's pairs: the typed ComparePair and
// QuantizationImpact (compare.h) written and read.

#include <utility>

#include "analysis/compare.h"  // the types this file writes and reads
#include "analysis/json_fields.h"

namespace qualm::analysis {

using nlohmann::json;
using namespace json_fields;

namespace {

const Figures<DeltaRow> kDeltaFigures = {{"baseline_mean", &DeltaRow::baseline_mean},
                                         {"candidate_mean", &DeltaRow::candidate_mean},
                                         {"delta", &DeltaRow::delta},
                                         {"delta_ci_low", &DeltaRow::delta_ci_low},
                                         {"delta_ci_high", &DeltaRow::delta_ci_high},
                                         {"delta_pct", &DeltaRow::delta_pct},
                                         {"delta_pct_ci_low", &DeltaRow::delta_pct_ci_low},
                                         {"delta_pct_ci_high", &DeltaRow::delta_pct_ci_high}};
const Counts<DeltaRow> kDeltaCounts = {{"n_paired", &DeltaRow::n_paired},
                                       {"only_baseline", &DeltaRow::only_baseline},
                                       {"only_candidate", &DeltaRow::only_candidate}};
const Figures<CompositeDelta> kCompositeFigures = {{"baseline", &CompositeDelta::baseline},
                                                   {"candidate", &CompositeDelta::candidate},
                                                   {"delta", &CompositeDelta::delta},
                                                   {"delta_pct", &CompositeDelta::delta_pct},
                                                   {"delta_ci_low", &CompositeDelta::delta_ci_low},
                                                   {"delta_ci_high", &CompositeDelta::delta_ci_high}};
const Counts<CompositeDelta> kCompositeCounts = {{"n_paired", &CompositeDelta::n_paired},
                                                 {"n_metrics", &CompositeDelta::n_metrics}};
const Counts<ComparePair> kSampleCounts = {{"paired", &ComparePair::paired},
                                           {"only_baseline", &ComparePair::only_baseline},
                                           {"only_candidate", &ComparePair::only_candidate}};

json delta_json(const DeltaRow& r) {
  json out = {{"metric", r.metric},
              {"aggregation", r.aggregation},
              {"higher_is_better", r.higher_is_better},
              {"small_n", r.small_n}};
  write(out, r, kDeltaFigures, kDeltaCounts);
  if (r.task_name) out["task_name"] = *r.task_name;
  return out;
}

DeltaRow delta_of(const json& j) {
  DeltaRow r;
  if (member(j, "task_name").is_string()) r.task_name = text(j, "task_name");
  r.metric = text(j, "metric");
  r.aggregation = text(j, "aggregation");
  r.higher_is_better = flag(j, "higher_is_better", true);
  r.small_n = flag(j, "small_n", false);
  read(j, r, kDeltaFigures, kDeltaCounts);
  return r;
}

json deltas_json(const std::vector<DeltaRow>& rows) {
  json out = json::array();
  for (const DeltaRow& r : rows) out.push_back(delta_json(r));
  return out;
}

std::vector<DeltaRow> deltas_of(const json& j, const char* key) {
  std::vector<DeltaRow> out;
  for (const json& r : items(j, key)) out.push_back(delta_of(r));
  return out;
}

}  // namespace

void to_json(json& j, const ComparePair& p) {
  json samples = json::object(), composite = json::object();
  write(samples, p, {}, kSampleCounts);
  write(composite, p.composite, kCompositeFigures, kCompositeCounts);
  j = {{"baseline", config_json(p.baseline)},
       {"candidate", config_json(p.candidate)},
       {"paired_by", p.paired_by},
       {"samples", std::move(samples)},
       {"tasks", deltas_json(p.tasks)},
       {"overall", deltas_json(p.overall)},
       {"key_metrics", p.key_metrics},
       {"key_metric_avg_delta_pct", or_null(p.key_metric_avg_delta_pct)},
       {"key_metric_small_n", p.key_metric_small_n},
       {"composite", std::move(composite)}};
}

void from_json(const json& j, ComparePair& p) {
  p = {};
  p.baseline = config_of(member(j, "baseline"));
  p.candidate = config_of(member(j, "candidate"));
  p.paired_by = text(j, "paired_by");
  read(member(j, "samples"), p, {}, kSampleCounts);
  p.tasks = deltas_of(j, "tasks");
  p.overall = deltas_of(j, "overall");
  p.key_metrics = texts(j, "key_metrics");
  p.key_metric_avg_delta_pct = maybe_number(j, "key_metric_avg_delta_pct");
  p.key_metric_small_n = flag(j, "key_metric_small_n", false);
  read(member(j, "composite"), p.composite, kCompositeFigures, kCompositeCounts);
}

void to_json(json& j, const QuantizationImpact& q) {
  j = {{"baseline_rule", q.baseline_rule}, {"key_metrics", q.key_metrics}, {"pairs", q.pairs}, {"note", q.note}};
}

void from_json(const json& j, QuantizationImpact& q) {
  q = {text(j, "baseline_rule"), text(j, "note"), texts(j, "key_metrics"), {}};
  for (const json& p : items(j, "pairs")) q.pairs.push_back(p.get<ComparePair>());
}

}  // namespace qualm::analysis
