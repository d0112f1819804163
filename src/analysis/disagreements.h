#pragma once
// Where configurations disagree (issue 19): for every pair of configurations, the samples
// both scored whose decision or greedy output differs.
// - Multiple choice: the chosen answer (acc) differs; ranked by the largest |Δ log-likelihood|
//   over the choices, with both configurations' log-likelihood of every choice.
// - Generation at temperature 0: the outputs differ; ranked by how early they part (the
//   first character where they do), with the shared text before it, each side's next
//   characters, and (where the records hold the steps: in-process greedy generation) the first
//   token where they part: each side's token index and its top candidates with probabilities,
//   the chosen one first (first_token {a: {index, top: [{token, prob}]}, b: ...}).
// Accuracy can stay put while many answers flip; this is where a reader sees them.

#include <nlohmann/json.hpp>

#include "analysis/run_data.h"

namespace qualm::analysis {

// {shown_per_pair, pairs: [{a {model, variant, backend}, b {...}, multiple_choice {compared,
//  differing, only_a_right, only_b_right, mcnemar_p (exact), by_task: [{task, compared,
//  both_right, only_a_right, only_b_right, both_wrong, answers_differ, mcnemar_p}] (each
//  benchmark's flip matrix)}, generate {compared, differing, with_first_token (differing outputs whose
//  first differing token both records hold), near_ties (of those, the ones that part at a near tie:
//  each side's model gives the other's token a probability within 0.05 of its own choice's)},
//  top: [...]}]}; pairs with nothing in common are
// left out. top holds at most shown_per_pair items: multiple choice ones first (largest
// |Δ log-likelihood| first), then generation ones (earliest divergence first).
nlohmann::json disagreements(const RunData& run);

}  // namespace qualm::analysis
