#pragma once
// Runs generate tasks: every task's prompts go to the backend in one batch, outputs pass
// through the task's filters, then each metric scores them (text metrics from the registry;
// bertscore and coherence through an embedding backend when one is given).

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "tasks/gen_docs.h"

namespace qualm {

struct GenRunOptions {
  uint64_t seed = 42;
  double temperature = 0.0;       // used where the task file sets none
  Backend* embedder = nullptr;    // for bertscore and coherence
  std::string embedder_name;      // recorded beside their scores
};

struct GenOutcome {
  GenerateResult generated;
  std::string candidate;                  // after the task's filters
  std::map<std::string, double> metrics;  // per-sample values
};

struct MetricSummary {
  double value = 0;
  std::optional<double> stderr_;  // sample sd / sqrt(n) for mean-aggregated metrics
  int n = 0;
  std::string aggregation;        // "mean" or "corpus"
};

struct GenTaskScores {
  std::vector<GenOutcome> outcomes;
  std::map<std::string, MetricSummary> summary;
  std::map<std::string, std::string> skipped;  // metric -> why it was not computed
  int n_truncated = 0;
};

std::vector<GenTaskScores> score_gen_tasks(Backend& backend, std::span<const GenTask> tasks, const GenRunOptions& options);

// The sampler key of one document: stable across runs, limits and task order.
uint64_t sample_key(const std::string& task, int doc_id);

}  // namespace qualm
