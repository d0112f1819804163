#pragma once
// Backend equivalence (TR124 S5, SPEC S7). TR124's method on complete blocks — the (model,
// variant) pairs that ran on every backend — per metric: one-way ANOVA across backends,
// pairwise Student t-tests with Holm over every pairwise test of the section, Cohen's d with
// its label. Then what TR124 lacked: paired tests on the same prompts (paired t, Wilcoxon),
// TOST equivalence at the experiment's margin, the paired minimum detectable effect at 80 %
// power, McNemar for benchmark accuracy, and the count of differing benchmark answers.

#include <nlohmann/json.hpp>

#include "analysis/run_data.h"

namespace qualm::analysis {

// {backends, complete_blocks, incomplete_blocks, tost_margin, alpha, metrics: [...anova],
//  pairs: [...], accuracy: [...], note}; {backends: [...], note} when fewer than two backends
// or no complete block.
nlohmann::json backend_equivalence(const RunData& run);

}  // namespace qualm::analysis
