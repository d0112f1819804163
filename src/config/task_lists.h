#pragma once
// The lm-evaluation-harness list keys of a task file: filter_list (named filter pipelines),
// metric_list (metrics with their options) and repeats. Read by load_task_spec; internal to
// config/ (it speaks yaml-cpp).

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "config/task_spec.h"

namespace qualm {

// filter_list: [{name: N, filter: [{function: F, ...}, ...]}, ...]. Throws InputError naming
// file:line and the key (filter_list[0].filter[1].group_select) for an unknown function or
// key, a pattern Python's re syntax or qualm cannot run, a name used twice or one that a
// gate could not name.
std::vector<FilterPipeline> read_filter_list(const YAML::Node& node, const std::string& file);

// metric_list: [{metric: M, aggregation: mean, higher_is_better: true, ignore_case: ..., ...}]:
// the metric names, in order, and their options into `options`.
std::vector<std::string> read_metric_list(const YAML::Node& node, const std::string& file,
                                          std::map<std::string, MetricOptionsSpec>& options);

// Each pipeline must leave one response per document out of `repeats` - or, when every metric
// runs code (pass@K, the largest K in `code_k`), at least K; take_first_k must not ask for more
// than there are. Throws InputError naming the pipeline.
void check_pipelines(const std::vector<FilterPipeline>& pipelines, int repeats, const std::string& repeats_where,
                     std::optional<int> code_k = std::nullopt);

// The characters a pipeline name may hold: letters, digits, '_', '-', '.'.
bool is_pipeline_name(const std::string& name);

}  // namespace qualm
