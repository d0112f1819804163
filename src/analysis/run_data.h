#pragma once
// A finished (or partial) run as the analyses see it: its records and what the manifest says
// about the plan, so that `qualm report RUN_DIR` and `qualm compare` rebuild every analysis
// from the run directory alone (STYLE: one stream of records feeds every report).

#include <nlohmann/json.hpp>

#include <compare>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/task_spec.h"
#include "records/config_key.h"
#include "records/sample_record.h"

namespace qualm::analysis {

struct TaskInfo {
  std::string name;
  TaskKind kind = TaskKind::kGenerate;
  std::string group;  // "mmlu" for mmlu_<subject>; empty otherwise
  int repetitions = 1;
  double temperature = 0;  // generate tasks
};

struct Cost {
  ConfigKey label;  // backend may be empty: any backend
  double usd_per_million_tokens = 0;
};

// Quantization harm thresholds (SPEC S6 defaults; the experiment's analysis: overrides them).
struct HarmThresholds {
  double max_ppl_delta_pct = 5;
  double max_category_kld = 0.05;
  double min_same_top = 0.9;
  double non_degenerate_repetition = 0.5;
};

struct RunData {
  std::filesystem::path dir;
  nlohmann::json manifest;  // as written; {} for records without one (tests)
  std::string experiment, run_id;
  uint64_t seed = 42;
  std::vector<SampleRecord> records;  // samples.jsonl in canonical order, error records included
  std::map<std::string, TaskInfo> tasks;
  int64_t planned = 0;        // samples the plan held (cells that run)
  int64_t skipped_cells = 0;
  std::vector<Cost> costs;
  std::map<std::string, double> params;  // model name -> parameter count, where given
  double tost_margin = 0.05;              // analysis: {tost_margin}
  double detect_difference = 0.05;        // analysis: {detect_difference}
  HarmThresholds harm;                    // analysis: quantization harm thresholds
  std::vector<std::string> gates;         // the experiment's gates:

  // Records without an error, in canonical order.
  std::vector<const SampleRecord*> ok_records() const;
  // The task's kind from the manifest, else from the record's task_type.
  TaskKind kind_of(const SampleRecord& record) const;
  // Every label with an ok record, in first-appearance order.
  std::vector<ConfigKey> labels() const;
  // The cost of a label: an exact row, else one whose backend is empty.
  std::optional<double> cost_of(const ConfigKey& label) const;
};

// Reads DIR/manifest.json and DIR/samples.jsonl. Throws InputError naming the file and what
// would fix it when either is missing or unreadable.
RunData load_run(const std::filesystem::path& dir);

// Records in the plan's order, whatever order a run (resumed, sharded, waiting for embedding
// metrics) logged them in: configuration and task as the manifest's plan lists them, then
// repetition and sample. Records of a manifest without a plan keep their order.
void sort_canonically(std::vector<SampleRecord>& records, const nlohmann::json& manifest);

// From a manifest (possibly {}) and records already in memory, put in canonical order.
RunData make_run_data(nlohmann::json manifest, std::vector<SampleRecord> records);

// x, or null where it is NaN or infinite (JSON has neither).
nlohmann::json finite_or_null(double x);
// x, or unset where it is NaN or infinite: a typed section's figure.
std::optional<double> finite_or_unset(double x);

}  // namespace qualm::analysis
