#pragma once
// Side-by-side output examples (TR124 S11, SPEC S7): for each generate task, one sample's
// candidates from every (model, variant, backend) next to its prompt and reference.
//
// The sample is chosen deterministically: among rep-0 ok records, the smallest sample_id
// (numbers before strings) that every label running the task has; when no sample is in all of
// them, the one in the most labels, smallest id first.
//
// summary["examples"] = [{task_name, sample_id, rep, doc_key?, prompt, reference,
//   n_labels, outputs [{model, variant, backend, candidate, metrics}]}] in the order tasks
// first appear in the records; [] when the run has no generate task. n_labels counts the
// labels that ran the task; outputs holds those that have the chosen sample.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analysis/run_data.h"

namespace qualm::analysis {

// One configuration's output for the chosen sample; metrics as samples.jsonl holds them
// (unset: null, a metric that was not finite).
struct ExampleOutput {
  ConfigKey config;
  std::optional<std::string> candidate;  // null when the record has none
  std::map<std::string, std::optional<double>> metrics;
};

// One generate task's example (an element of summary["examples"]).
struct OutputExample {
  std::string task_name;
  int64_t sample_id = 0, rep = 0;
  std::optional<std::string> doc_key;  // absent when unset
  std::string prompt;
  std::optional<std::string> reference;  // null when unset
  int64_t n_labels = 0;
  std::vector<ExampleOutput> outputs;
};

// One element of the JSON above; reading takes any shape (a member missing or of another type is
// a default).
void to_json(nlohmann::json& j, const OutputExample& e);
void from_json(const nlohmann::json& j, OutputExample& e);

std::vector<OutputExample> side_by_side_examples(const RunData& run);

}  // namespace qualm::analysis
