#pragma once
// Task router estimate (TR124 S12.3, S15.8): the composite a deployment would reach if each
// generation task went to its best (model, variant, backend), against the best single one.

#include <nlohmann/json.hpp>

#include "analysis/run_data.h"

namespace qualm::analysis {

// {tasks: [{task_name, best, model, variant, backend, composite, n_samples, runner_up,
//  runner_up_composite, margin}], routed_composite, best_single, best_single_composite, gain,
//  gain_pct, labels: [{label, composite, n_tasks}], note}. A label's task composite is the mean
// over the task's generation metrics of each metric's mean over the label's records of it.
nlohmann::json task_router(const RunData& run);

}  // namespace qualm::analysis
