#pragma once
// Task router estimate (TR124 S12.3, S15.8): the composite a deployment would reach if each
// generation task went to its best (model, variant, backend), against the best single one.
//
// summary["task_router"] = {tasks: [{task_name, best, model, variant, backend, composite, n_samples,
//   runner_up, runner_up_composite, margin}], routed_composite, labels: [{label, composite, n_tasks,
//   complete}], best_single, best_single_composite, gain, gain_pct, note}
// best is "model/variant/backend" of the row's model, variant and backend; runner_up, its composite
// and margin are null for a task only one label ran; best_single and the figures after it are null
// when no label ran every task (gain_pct also when best_single_composite is 0). With no generation
// records: {tasks: [], note} alone. A label's task composite is the mean over the task's generation
// metrics of each metric's mean over the label's records of it.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analysis/run_data.h"

namespace qualm::analysis {

struct RouterTask {
  std::string task_name;
  ConfigKey best;
  double composite = 0;
  int64_t n_samples = 0;  // (sample_id, rep) pairs of best on the task
  std::optional<std::string> runner_up;
  std::optional<double> runner_up_composite, margin;
};

// A label's mean over the tasks it ran of its task composites; complete when it ran every task.
struct RouterLabel {
  std::string label;
  double composite = 0;
  int64_t n_tasks = 0;
  bool complete = false;
};

struct TaskRouter {
  std::vector<RouterTask> tasks;  // in first-appearance order
  double routed_composite = 0;    // mean over tasks of the best's composite
  std::vector<RouterLabel> labels;
  std::optional<std::string> best_single;  // the complete label of highest composite
  std::optional<double> best_single_composite, gain, gain_pct;
};

// The section's note: which depends only on whether tasks is empty.
const char* router_note(const TaskRouter& r);

// The JSON above; reading takes any shape (a member missing or of another type is a default).
void to_json(nlohmann::json& j, const TaskRouter& r);
void from_json(const nlohmann::json& j, TaskRouter& r);

TaskRouter task_router(const RunData& run);

}  // namespace qualm::analysis
