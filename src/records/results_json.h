#pragma once
// qualm eval's results, rendered from the records of its run as `qualm run`'s aggregate.csv
// is: every metric aggregates as metric_aggregation() declares it (records/metric_aggregation.h),
// so a corpus BLEU is a corpus BLEU in both. results.json ({"results": {task: {metric,
// metric_stderr, "n"}}, "tasks": {task: details}, "groups": {group: {tasks, aggregation}}})
// and the terminal table are two renderings of one EvalResults.
//
// A stderr is the sample standard deviation over sqrt(n) (lm-eval's) for metrics that average
// samples, and null for corpus and weighted ones. kld tasks merge their records' kld_state:
// every figure, percentiles included, is the one a single pass over the documents computes.

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "config/task_spec.h"
#include "records/metric_aggregation.h"
#include "records/sample_record.h"

namespace qualm {

// What results.json says of a task besides its records.
struct TaskOutline {
  std::string name;
  std::string group;  // mmlu_* -> mmlu
  const TaskSpec* spec = nullptr;
  TaskKind kind = TaskKind::kGenerate;
  int num_fewshot = 0;
  std::string dataset;  // relative to the data directory
  size_t dataset_docs = 0;
  std::string base_model;  // kld: what the documents were compared with
};

struct MetricResult {
  std::string name;
  double value = 0;  // NaN when no sample counts (null in results.json)
  std::optional<double> stderr_;
  AggregationKind aggregation = AggregationKind::kMean;
  int64_t n = 0;  // samples that count for this metric
};

struct TaskResult {
  const TaskOutline* outline = nullptr;
  std::vector<MetricResult> metrics;  // in the task's order
  int64_t docs = 0, n = 0;           // records, and those without an error
  int64_t errors = 0, truncated = 0, unknown_tokens = 0, docs_with_unknown = 0;
  int64_t split_differs = 0;         // multiple choice
  int64_t multi_window = 0;          // rolling and kld: documents read in more than one window
  std::map<std::string, std::string> skipped;  // generate: metric -> why no sample has it
  std::map<std::string, double> summary;        // rolling and kld: every figure of the task
  std::map<std::string, std::map<std::string, double>> categories;  // kld: per category
  std::map<std::string, int64_t> category_docs;
};

struct GroupResult {
  std::string name;
  std::vector<size_t> members;  // indices into EvalResults::tasks
  std::vector<MetricResult> metrics;
  int64_t n = 0, truncated = 0;
};

struct EvalResults {
  std::vector<TaskResult> tasks;
  std::vector<GroupResult> groups;
};

// records: every record of the run's one configuration.
EvalResults results_from_records(std::span<const TaskOutline> tasks, std::span<const SampleRecord> records);

// {"results", "tasks", "groups"} of results.json.
nlohmann::json results_json(const EvalResults& results);

void print_results_table(std::ostream& out, const EvalResults& results);

}  // namespace qualm
