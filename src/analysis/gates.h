#pragma once
// Quality gates (SPEC S7) evaluated against a run's records; config/gate.h reads their text.
//
// What a gate `METRIC[@TASK][:MODEL] OP VALUE` checks:
// - The records: ok records (no error) with the metric, whose task_name is TASK or belongs to
//   the group TASK (acc@mmlu pools every mmlu_* subject), and whose model is MODEL. Without
//   @TASK every task with the metric is pooled; without :MODEL every model is checked.
// - Each matching (model, variant, backend) separately: its actual value is the mean of the
//   metric over its matching records (for multiple-choice accuracies: correct / n). Every one
//   must pass; each gets a result row.
// - baseline.mean / ci_low / ci_high are that label's baseline cell: the mean and the 95%
//   bootstrap CI exactly as aggregate.csv computes them (aggregate_records, seeded with the
//   baseline run's seed; pooled records are keyed by the gate's TASK, or "*" when the gate
//   pools several tasks). The baseline cell is:
//     * in `qualm compare` (baseline given): the baseline run's label paired with this one by
//       compare.h's pair_labels (same label, else same model+backend, ...);
//     * in `qualm run` (baseline null): the same model's first variant on the same backend in
//       this run. That first variant is not gated against itself (no row); when nothing else
//       matches, the gate is an ERROR saying so.
// - A gate matching no records is a FAIL ("no records match ...", naming the missing model,
//   task or metric), never a silent pass. A gate that cannot be evaluated (its text does not
//   parse, no baseline cell) is an ERROR. Both fail the run (exit 3).
// - harm.NAME[:MODEL] (config/gate.h) checks the quantization harm study's figure NAME
//   (analysis/quant_harm.h's harm_figure) for each variant of each (model, backend) but the
//   first, which is its baseline; in qualm compare too, within the candidate run. A variant
//   without the figure (the run lacks the task) FAILs, as does a study with no second variant.
//
// Result rows: [{gate, status "PASS"|"FAIL"|"ERROR", model, variant, backend, task, metric,
//   n, actual, threshold, by, baseline {model, variant, backend, n}?, detail}], where `by` is
//   the signed margin: how far actual lies on the passing side of the threshold (actual -
//   threshold for >= and >, threshold - actual for <= and <; negative when it fails). Labels,
//   task, actual, threshold and by are null where they do not apply.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analysis/quant_harm.h"
#include "analysis/run_data.h"

namespace qualm::analysis {

// The configuration a row was checked against: with n (its matching records) for baseline.*
// gates, without for harm.* gates.
struct GateBaseline {
  ConfigKey config;
  std::optional<int64_t> n;
};

// One result row (the JSON above). model, variant and backend are unset together, except that a
// gate naming a model the run lacks sets model alone.
struct GateResult {
  std::string gate, status = "ERROR";
  std::optional<std::string> model, variant, backend, task, metric;
  int64_t n = 0;
  std::optional<double> actual, threshold, by;
  std::optional<GateBaseline> baseline;
  std::string detail;
};

// The JSON above; reading takes any shape (a member missing or of another type is a default).
void to_json(nlohmann::json& j, const GateResult& r);
void from_json(const nlohmann::json& j, GateResult& r);

// harm: the run's quantization_harm(run) when the caller has it (the summary's); else harm.*
// gates compute it.
std::vector<GateResult> evaluate_gates(const std::vector<std::string>& gates, const RunData& run,
                                       const RunData* baseline, const QuantizationHarm* harm = nullptr);

// True when any row is not PASS.
bool gates_failed(std::span<const GateResult> results);

// One line for the terminal, e.g.
// "rouge_l@qa >= baseline.ci_low: FAIL for m/Q4_0/cpu: 0.1200 vs 0.2000 (by -0.0800)".
std::string describe_gate_result(const GateResult& result);

}  // namespace qualm::analysis
