#pragma once
// Quantization impact (TR124 S17, SPEC S7): how a candidate configuration's quality differs
// from a baseline's, per (task, metric), pooled over generation tasks, on TR124's key
// metrics and on the composite.
//
// Samples are paired by (task_name, sample_id, rep); every mean, delta and CI below is over
// the samples both sides have with the metric (ok records only), so the delta and its CI
// describe the same samples. Samples on one side only are counted, not used.
//   delta      = candidate_mean - baseline_mean
//   delta_pct  = 100 * delta / baseline_mean (TR124 S17.3; null when baseline_mean is 0)
// CIs: 95% paired percentile bootstrap (10,000 resamples of the paired samples, seeded with
// mix_seed(candidate seed, "compare|BASE|CAND|TASK|METRIC")). A positive delta is a gain for
// metrics where higher is better and a loss for the others (perplexity): see higher_is_better.
// Multiple-choice subtasks with a group (mmlu_*) are pooled into one row per group; kld tasks
// are left out (they already compare against a base); so are metrics with no declared range
// (counts such as bytes, n_tokens).
//
// Pair JSON: {baseline {model, variant, backend}, candidate {...}, paired_by,
//   samples {paired, only_baseline, only_candidate},
//   tasks [{task_name, metric, higher_is_better, n_paired, only_baseline, only_candidate,
//           baseline_mean, candidate_mean, delta, delta_ci_low, delta_ci_high,
//           delta_pct, delta_pct_ci_low, delta_pct_ci_high}],
//   overall [{metric, ...the same fields}]    every generation task pooled (TR124 S17.3's table)
//   key_metrics [names present], key_metric_avg_delta_pct   mean of overall delta_pct over
//           TR124's key metrics bertscore, coherence, rouge_l (S17.3, S19.2; -5.9 % for phi-2)
//   composite {baseline, candidate, delta, delta_pct, delta_ci_low, delta_ci_high, n_paired,
//           n_metrics}}  composite = unweighted mean over generation metrics of each metric's
//           mean over the paired generation samples (rankings.h's composite, on paired samples).

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analysis/run_data.h"

namespace qualm::analysis {

// TR124's key metrics: bertscore, coherence, rouge_l.
const std::vector<std::string>& key_metrics();

struct LabelPair {
  ConfigKey baseline, candidate;
  std::string paired_by;  // "label", "model+backend", "model", "only label"
};

struct Pairing {
  std::vector<LabelPair> pairs;                 // in candidate order
  std::vector<ConfigKey> only_baseline, only_candidate;
};

// How labels of two runs pair, each label at most once, in rounds:
//   1. the same (model, variant, backend);
//   2. the same model and backend, when each side has exactly one label of them left
//      (f16 run vs Q4_K_M run of the same model);
//   3. the same model, when each side has exactly one label of it left (TR124 S17: FP16 on
//      transformers vs the Ollama quantization);
//   4. when each side has exactly one label left at all (models named differently).
Pairing pair_labels(const std::vector<ConfigKey>& baseline, const std::vector<ConfigKey>& candidate);

// One row of a pair's tasks (task_name set) or overall (task_name unset); a figure that is not
// finite is unset (null in JSON).
struct DeltaRow {
  std::optional<std::string> task_name;
  std::string metric, aggregation;
  bool higher_is_better = true;
  int64_t n_paired = 0, only_baseline = 0, only_candidate = 0;
  std::optional<double> baseline_mean, candidate_mean, delta, delta_ci_low, delta_ci_high, delta_pct, delta_pct_ci_low,
      delta_pct_ci_high;
  bool small_n = false;  // fewer than 20 paired samples: read the CI, not the value
};

struct CompositeDelta {
  std::optional<double> baseline, candidate, delta, delta_pct, delta_ci_low, delta_ci_high;
  int64_t n_paired = 0, n_metrics = 0;
};

struct ComparePair {
  ConfigKey baseline, candidate;
  std::string paired_by;
  int64_t paired = 0, only_baseline = 0, only_candidate = 0;  // samples
  std::vector<DeltaRow> tasks, overall;
  std::vector<std::string> key_metrics;  // those present
  std::optional<double> key_metric_avg_delta_pct;
  bool key_metric_small_n = false;
  CompositeDelta composite;
};

struct QuantizationImpact {
  std::string baseline_rule, note;
  std::vector<std::string> key_metrics;
  std::vector<ComparePair> pairs;
};

// The JSON above; reading takes any shape (a member missing or of another type is a default).
void to_json(nlohmann::json& j, const ComparePair& p);
void from_json(const nlohmann::json& j, ComparePair& p);
void to_json(nlohmann::json& j, const QuantizationImpact& q);
void from_json(const nlohmann::json& j, QuantizationImpact& q);

// One pair (see above). `baseline` and `candidate` may be the same run.
ComparePair compare_pair(const RunData& baseline_run, const ConfigKey& baseline, const RunData& candidate_run,
                         const ConfigKey& candidate, const std::string& paired_by);

// compare.json: {baseline_run {dir, run_id, experiment}, candidate_run {...}, key_metrics,
//   pairs [...], unpaired {baseline [labels], candidate [labels]}, note}.
nlohmann::json compare_runs(const RunData& baseline, const RunData& candidate);

// summary["quantization_impact"] within one run: every variant against its model's first
// variant (first in the records, i.e. the config's order) on the same backend.
// {baseline_rule, key_metrics, pairs [...], note}; pairs is empty when no model has two
// variants on one backend.
QuantizationImpact quantization_impact(const RunData& run);

}  // namespace qualm::analysis
