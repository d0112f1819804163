#pragma once
// The experiment's matrix (SPEC S5): every (model, variant, backend, task) cell, with its
// sample count, or the reason it is skipped. Tasks are resolved and their documents built
// here, once, so that problems in task files and datasets are found before anything runs.

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "backend/capabilities.h"
#include "config/experiment.h"
#include "records/results_json.h"
#include "tasks/gen_docs.h"
#include "tasks/rolling_docs.h"
#include "tasks/task_docs.h"

namespace qualm {

struct PlannedTask {
  std::string name;   // the task's own name (mmlu expands to mmlu_<subject>)
  std::string entry;  // the name the experiment wrote
  TaskKind kind = TaskKind::kGenerate;
  std::optional<McTask> mc;
  std::optional<GenTask> gen;
  std::optional<RollingTask> rolling;  // kRolling and kKld
  int repetitions = 1;     // generate only; others run once
  double temperature = 0;  // generate only
  int max_new_tokens = 256;
  size_t n_docs = 0;
  int64_t samples() const { return static_cast<int64_t>(n_docs) * repetitions; }
  const TaskSpec& spec() const { return mc ? mc->spec : gen ? gen->spec : rolling->spec; }
  int64_t sample_id(size_t doc) const;
  const std::string& text(size_t doc) const;  // the prompt, or the text scored
  // What results.json says of the task; kld tasks name the base they were compared with.
  TaskOutline outline(const std::string& base_model = "") const;
};

struct Cell {
  size_t model = 0, variant = 0, backend = 0, task = 0;
  std::optional<std::string> skipped;  // why, when skipped
};

struct Plan {
  std::vector<PlannedTask> tasks;
  std::vector<Cell> cells;  // in run order: model, variant, backend, then task
  std::vector<ConfigProblem> problems;
  int64_t samples() const;          // in cells that run
  int64_t skipped_cells() const;
};

// limit > 0 caps every task's document count (qualm run --limit).
Plan make_plan(const Experiment& experiment, int limit);

// What a backend declares before any model loads (SPEC S2), for a model of this architecture.
Capabilities declared_capabilities(const BackendSpec& backend, const std::string& architecture);
Capability needed_capability(TaskKind kind);

void print_plan(std::ostream& out, const Experiment& experiment, const Plan& plan);

}  // namespace qualm
