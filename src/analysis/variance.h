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

#include <nlohmann/json.hpp>

#include "analysis/run_data.h"

namespace qualm::analysis {

nlohmann::json sampling_variance(const RunData& run);

}  // namespace qualm::analysis
