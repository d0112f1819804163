#pragma once
// Backend equivalence (TR124 S5, SPEC S7). TR124's method on complete blocks — the (model,
// variant) pairs that ran on every backend — per metric: one-way ANOVA across backends,
// pairwise Student t-tests with Holm over every pairwise test of the section, Cohen's d with
// its label. Then what TR124 lacked: paired tests on the same prompts (paired t, Wilcoxon),
// TOST equivalence at the experiment's margin, the paired minimum detectable effect at 80 %
// power, McNemar for benchmark accuracy, and the count of differing benchmark answers.
//
// summary["backend_equivalence"] = {backends, complete_blocks, incomplete_blocks, tost_margin, alpha,
//   metrics: [{metric, n {backend: values}, mean {backend: mean}, anova {f, p, df_between, df_within},
//     significant, note?}],
//   pairs: [{metric, backend_a, backend_b, mean_a, mean_b, t, df, p, cohens_d, magnitude, p_holm, reject,
//     paired {n, mean_diff, sd_diff, identical, t, p, wilcoxon_statistic, wilcoxon_p, tost_p, equivalent,
//       mde_d, mde}}],
//   accuracy: [{backend_a, backend_b, n, acc_a, acc_b, a_only_correct, b_only_correct, mcnemar_p,
//     differing_answers, loglikelihood_delta {choices, max_abs_dll, mean_abs_dll, noise_floor,
//     within_noise, note}}],
//   note}
// metrics, pairs and accuracy are there only when at least two backends ran and a block is complete
// (compared()). A metric whose backend has fewer than two values has anova null and a note instead of
// significant; paired is {n, note} below two prompts on both backends; loglikelihood_delta is null
// without per-choice log-likelihoods on both, and its noise_floor and within_noise are null where a
// backend's packing noise was not measured. A figure that is not finite is null.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analysis/run_data.h"

namespace qualm::analysis {

struct EquivalenceAnova {
  std::optional<double> f, p;
  double df_between = 0, df_within = 0;
};

// One generate metric pooled over the complete blocks, per backend (every backend a key).
struct EquivalenceMetric {
  std::string metric;
  std::map<std::string, int64_t> n;
  std::map<std::string, std::optional<double>> mean;
  std::optional<EquivalenceAnova> anova;  // unset when a backend has fewer than two values
  bool significant = false;               // anova p < alpha; written only with anova
};

// Tests on the differences a - b over the prompts both backends ran; the rest is written only when
// n >= 2. equivalent: TOST p < alpha, or (TOST p undefined) every difference is 0.
struct PairedTests {
  int64_t n = 0;
  std::optional<double> mean_diff, sd_diff;
  int64_t identical = 0;  // differences that are exactly 0
  std::optional<double> t, p, wilcoxon_statistic, wilcoxon_p, tost_p;
  bool equivalent = false;
  std::optional<double> mde_d, mde;  // minimum detectable effect (in sd units, and in the metric's)
};

struct EquivalencePair {
  std::string metric, backend_a, backend_b;
  std::optional<double> mean_a, mean_b, t, df, p, cohens_d;
  std::string magnitude;         // Cohen's d's label
  std::optional<double> p_holm;  // Holm over every pair of the section
  bool reject = false;
  PairedTests paired;
};

// How far two backends' per-choice log-likelihoods are apart, against the engines' packing noise
// (manifest noise_floor): both unset where a backend's was not measured.
struct LoglikelihoodDelta {
  int64_t choices = 0;
  double max_abs_dll = 0, mean_abs_dll = 0;
  std::optional<double> noise_floor;
  std::optional<bool> within_noise;
};

// Benchmark answers of two backends on the same multiple-choice items.
struct AccuracyPair {
  std::string backend_a, backend_b;
  int64_t n = 0;
  double acc_a = 0, acc_b = 0;
  int64_t a_only_correct = 0, b_only_correct = 0;
  std::optional<double> mcnemar_p;
  int64_t differing_answers = 0;
  std::optional<LoglikelihoodDelta> loglikelihood_delta;
};

struct BackendEquivalence {
  std::vector<std::string> backends;           // in first-appearance order
  std::vector<std::string> complete_blocks;    // "model/variant", sorted
  std::vector<std::string> incomplete_blocks;  // sorted
  double tost_margin = 0.05;                   // analysis: tost_margin
  double alpha = 0.05;
  std::vector<EquivalenceMetric> metrics;
  std::vector<EquivalencePair> pairs;
  std::vector<AccuracyPair> accuracy;
};

// Whether the backends were compared: two or more, and a complete block.
bool compared(const BackendEquivalence& e);
// The section's note (what was compared, or why nothing was), and a loglikelihood_delta's.
std::string equivalence_note(const BackendEquivalence& e);
const char* loglikelihood_note(const LoglikelihoodDelta& d);

// The JSON above; reading takes any shape (a member missing or of another type is a default).
void to_json(nlohmann::json& j, const BackendEquivalence& e);
void from_json(const nlohmann::json& j, BackendEquivalence& e);

BackendEquivalence backend_equivalence(const RunData& run);

}  // namespace qualm::analysis
