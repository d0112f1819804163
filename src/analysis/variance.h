#pragma once
// Sampling variance (TR124 S18, SPEC S7): how much a generation metric moves between
// repetitions of the same prompt at temperature > 0.
//
// Only generate tasks with repetitions >= 2 (the plan's, else as many reps as the records
// show) and ok records count. Per (model, variant, backend, task, sample, metric) with at least
// two repetitions: CV = sample SD (n - 1) / |mean| across the repetitions, as a fraction
// (scipy.stats.variation(ddof=1), sign dropped). A sample whose repetitions are all 0 has no
// spread: it counts as CV 0 and in n_zero_mean. A sample with mean 0 and some spread (possible
// for metrics that go negative) has no finite CV: it is left out of the cell and counted in
// n_undefined.
//
// summary["sampling_variance"] = {
//   cells [{model, variant, backend, task_name, metric, n_samples, mean_score, mean_cv,
//           median_cv, max_cv, below_5pct, below_10pct, below_20pct, stability, n_zero_mean,
//           n_undefined, sample_ids [...], cvs [...]}],   below_* are shares (0..1) of CV < 5, 10,
//           20 %; stability labels mean_cv by those buckets (TR124 S18.3): "very stable",
//           "stable", "moderate", "high variance"
//   overall {n, mean_cv, median_cv, max_cv, below_5pct, below_10pct, below_20pct} (S18.3)
//   levene [{model, variant, task_name, metric, backends [...], n [...], levene_w, levene_p,
//            brown_forsythe_w, brown_forsythe_p}]   across backends, where a (model, variant,
//            task, metric) ran on two or more; each backend's group is its repetition values
//            minus their sample's mean over repetitions, so differences between prompts do
//            not count as sampling variance
//   note }
// A figure that is not finite is null; overall holds only n when no cell has a CV.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analysis/run_data.h"

namespace qualm::analysis {

// Summary figures over a set of per-sample CVs: mean, median and largest CV, and the shares
// (0..1) below 5, 10 and 20 %.
struct CvFigures {
  std::optional<double> mean_cv, median_cv, max_cv;
  double below_5pct = 0, below_10pct = 0, below_20pct = 0;
};

// One (model, variant, backend, task, metric): each sample's CV, sample_ids and cvs parallel.
struct VarianceCell {
  ConfigKey config;
  std::string task_name, metric;
  int64_t n_samples = 0;
  std::optional<double> mean_score;  // over every repetition of the samples with a CV
  CvFigures cv;
  std::string stability;
  int64_t n_zero_mean = 0, n_undefined = 0;
  std::vector<int64_t> sample_ids;
  std::vector<double> cvs;
};

// Every cell's CVs pooled; cv is written (and read) only when n > 0.
struct VarianceOverall {
  int64_t n = 0;
  CvFigures cv;
};

// Levene and Brown-Forsythe across the backends of one (model, variant, task, metric);
// backends and n (each backend's deviations) are parallel.
struct BackendVarianceTest {
  std::string model, variant, task_name, metric;
  std::vector<std::string> backends;
  std::vector<int64_t> n;
  std::optional<double> levene_w, levene_p, brown_forsythe_w, brown_forsythe_p;
};

struct SamplingVariance {
  std::vector<VarianceCell> cells;
  VarianceOverall overall;
  std::vector<BackendVarianceTest> levene;
  std::string note;  // "" only where the section was not read (absent or of another shape)
};

// The JSON above; reading takes any shape (a member missing or of another type is a default).
void to_json(nlohmann::json& j, const SamplingVariance& v);
void from_json(const nlohmann::json& j, SamplingVariance& v);

SamplingVariance sampling_variance(const RunData& run);

}  // namespace qualm::analysis
