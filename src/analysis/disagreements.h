#pragma once
// Where configurations disagree (issue 19): for every pair of configurations, the samples
// both scored whose decision or greedy output differs.
// - Multiple choice: the chosen answer (acc) differs; ranked by the largest |Δ log-likelihood|
//   over the choices, with both configurations' log-likelihood of every choice.
// - Generation at temperature 0: the outputs differ; ranked by how early they part (the
//   first character where they do), with the shared text before it, each side's next
//   characters, and (where the records hold the steps: greedy generation in process or through a
//   server that gives log-probs) the first token where they part: each side's token index and
//   its top candidates with probabilities, the chosen one first.
// Accuracy can stay put while many answers flip; this is where a reader sees them. The types
// below are summary.json's `disagreements` (to_json) and what the report renders (from_json).

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "analysis/run_data.h"
#include "records/config_key.h"

namespace qualm::analysis {

// One benchmark's answers under two configurations on the same items: {task, compared,
// both_right, only_a_right, only_b_right, both_wrong, answers_differ, mcnemar_p (exact)}.
struct FlipMatrix {
  std::string task;
  int64_t both_right = 0, only_a_right = 0, only_b_right = 0, both_wrong = 0, answers_differ = 0;
  double mcnemar_p = 1;
  int64_t compared() const { return both_right + only_a_right + only_b_right + both_wrong; }
};

// multiple_choice: {compared, differing, only_a_right, only_b_right, mcnemar_p, by_task}.
struct AnswerFlips {
  int64_t compared = 0, differing = 0, only_a_right = 0, only_b_right = 0;
  double mcnemar_p = 1;
  std::vector<FlipMatrix> by_task;
};

// generate: {compared, differing, with_first_token (differing outputs whose first differing
// token both records hold), near_ties (of those, the ones that part at a near tie: each side's
// model gives the other's token a probability within 0.05 of its own choice's)}.
struct OutputDiffs {
  int64_t compared = 0, differing = 0, with_first_token = 0, near_ties = 0;
};

// One side's first differing token: {index, top: [{token, prob}]}, the chosen token first.
struct PartingToken {
  int64_t index = 0;
  std::vector<std::pair<std::string, double>> top;
};

// {kind: "multiple_choice", task, sample_id, rep, gold, pred_a, pred_b, loglikelihoods_a,
// loglikelihoods_b, max_abs_dll}
struct AnswerItem {
  std::string task;
  int64_t sample_id = 0;
  int rep = 0;
  std::optional<int64_t> gold;
  int64_t pred_a = 0, pred_b = 0;
  std::vector<double> loglikelihoods_a, loglikelihoods_b;
  double max_abs_dll = 0;
};

// {kind: "generate", task, sample_id, rep, diverges_at_char, shared, a_then, b_then,
// first_token: null where either record has no steps, else {a, b}, each null where that side
// has no step there}
struct OutputItem {
  std::string task;
  int64_t sample_id = 0;
  int rep = 0;
  int64_t diverges_at_char = 0;
  std::string shared, a_then, b_then;
  bool with_steps = false;
  std::optional<PartingToken> first_a, first_b;
};

using DisagreementItem = std::variant<AnswerItem, OutputItem>;

struct PairDisagreements {
  ConfigKey a, b;
  AnswerFlips multiple_choice;
  OutputDiffs generate;
  // At most shown_per_pair: multiple choice first (largest |Δ log-likelihood| first), then
  // generation (earliest divergence first).
  std::vector<DisagreementItem> top;
};

// {shown_per_pair, pairs}; pairs with nothing in common are left out.
struct Disagreements {
  int64_t shown_per_pair = 0;
  std::vector<PairDisagreements> pairs;
};

// Characters of shared text an output item shows before the divergence (`shared`), and of each
// side's text after it (`a_then`, `b_then`).
constexpr size_t kDisagreementContextChars = 40;

Disagreements disagreements(const RunData& run);

void to_json(nlohmann::json& j, const Disagreements& d);
// What to_json writes; a member missing or of another type reads as its default, so a report
// renders any summary.json.
void from_json(const nlohmann::json& j, Disagreements& d);

}  // namespace qualm::analysis
