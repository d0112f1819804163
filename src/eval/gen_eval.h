#pragma once
// Runs generate tasks in two steps, so that an embedding model never sits in memory beside
// the model under test: generate_outputs() sends every task's prompts to the backend in one
// batch and passes outputs through the task's filters; score_outputs() then scores them
// (text metrics from the registry; bertscore and coherence through an embedding backend,
// loaded by the caller after the generating model is freed).

#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "exec/sandbox.h"
#include "tasks/gen_docs.h"

namespace qualm {

// Greedy generation records this many candidates per generated token (the token chosen and the
// most likely others), so that where two configurations' outputs part, the report shows what
// each weighed there.
constexpr int kStepTopTokens = 5;

struct GenRunOptions {
  uint64_t seed = 42;
  double temperature = 0.0;  // used where the task file sets none
  int rep = 0;               // repetition: each draws its own sampler seeds
};

struct GenOutcome {
  GenerateResult generated;                     // the first sample
  std::vector<GenerateResult> more;             // repeats > 1: samples 2..K
  std::string candidate;                        // the first sample after the task's filters
  std::map<std::string, std::string> filtered;  // filter_list: each pipeline's output, by name
  // Tasks with code metrics (pass@K): every response each pipeline leaves, by name ("none"
  // without a filter_list, lm-eval's name for no filter: every sample after `filters`), and how
  // each ran ("passed", "timed out", "failed: ...").
  std::map<std::string, std::vector<std::string>> samples;
  std::map<std::string, std::vector<std::string>> code_results;
  std::map<std::string, double> metrics;        // per-sample values
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
  int n_errors = 0;           // documents whose request failed (generated.error): no metrics
  int unknown_tokens = 0;     // unknown tokens in the prompts
  int docs_with_unknown = 0;  // prompts with any
};

std::vector<GenTaskScores> generate_outputs(Backend& backend, std::span<const GenTask> tasks,
                                           const GenRunOptions& options);

// Fills each task's per-sample metrics and summaries. Without an embedder, bertscore and
// coherence are listed as skipped with the reason; without a code policy, so are code metrics
// (pass@K: each sample, with the reference's tests after it, runs in exec/sandbox.h).
void score_outputs(std::span<const GenTask> tasks, std::span<GenTaskScores> scores, Backend* embedder,
                   const exec::Policy* code = nullptr);

// Whether a task scores code by running it (pass@K).
bool runs_code(const TaskSpec& spec);

// Whether any task asks for a metric that needs an embedding model.
bool needs_embeddings(std::span<const GenTask> tasks);

// The sampler key of one document: stable across runs, limits and task order. Repeat k > 0 of
// a task's `repeats` mixes k in; repeat 0 is the document's own key.
uint64_t sample_key(const std::string& task, int doc_id, int rep = 0, int repeat = 0);

// The names a task reports its metrics under: each metric as it is, or with a filter_list,
// "METRIC,PIPELINE" for every pipeline (metric-major).
std::vector<std::string> reported_metrics(const TaskSpec& spec);

}  // namespace qualm
