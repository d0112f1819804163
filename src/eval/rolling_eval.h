#pragma once
// Scores loglikelihood_rolling tasks as lm-evaluation-harness does: each document's tokens go
// through the backend's rolling windows (WindowOptions::Scheme::kRolling), every token scored
// once; per-document and task metrics are the log-likelihood over words, bytes and tokens.
// Task values are lm-eval's weighted aggregation: exp(-sum ll / sum words), not a mean of
// per-document perplexities. The backend decodes each window alone, so a document's numbers
// do not depend on which other documents share the call.

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "tasks/rolling_docs.h"

namespace qualm {

struct RollingDocScore {
  double loglikelihood = 0;  // sum of the document's token log-probs (natural log)
  int64_t n_tokens = 0;      // tokens scored: all of the document's
  int n_windows = 0;
  bool truncated = false;    // more than one window: some tokens saw less than the whole document
  std::string error;         // the document could not be scored: left out of the task's metrics
  int unknown_tokens = 0;
  std::vector<TokenId> targets;       // every scored token, in order (the text's tokens)
  std::vector<double> token_logprobs; // one per target
  std::map<std::string, double> metrics;  // word_perplexity, byte_perplexity, bits_per_byte,
                                          // token_perplexity, loglikelihood, n_tokens, words, bytes
};

struct RollingTaskScores {
  std::vector<RollingDocScore> docs;
  std::map<std::string, double> summary;  // the same keys, aggregated over the task's documents
  int n_truncated = 0;
  int n_errors = 0;
  int unknown_tokens = 0;
  int docs_with_unknown = 0;
};

std::vector<RollingTaskScores> score_rolling_tasks(Backend& backend, std::span<const RollingTask> tasks);

// The metrics of log-likelihood ll over the given counts (one document, or sums over many).
// A count of 0 leaves its metrics out.
std::map<std::string, double> rolling_metrics(double ll, int64_t tokens, int64_t words, int64_t bytes);

}  // namespace qualm
