#pragma once
// Scores multiple-choice tasks: every task's requests go to the backend in one batch (so
// prefix sharing and packing work across tasks), then each document is scored and each task
// aggregated. Groups (mmlu) are micro-averaged over their documents.

#include <span>
#include <vector>

#include "backend/backend.h"
#include "tasks/task_docs.h"

namespace qualm {

struct ChoiceOutcome {
  double loglikelihood = 0;
  int n_tokens = 0;
  bool is_greedy = false;
  std::vector<TokenId> sequence;      // the tokens fed (context, then continuation); empty from a server
  std::vector<double> token_logprobs; // one per continuation token, the tail of sequence
};

struct McTaskScores {
  std::vector<McDocScore> scores;                   // per document
  std::vector<std::vector<ChoiceOutcome>> choices;  // per document, per choice
  std::vector<int> prompt_tokens;                   // per document: tokens before the first choice's
  std::vector<bool> truncated;                      // per document: a request lost tokens on the left
  std::vector<std::string> endpoints;               // per document: the servers that scored it, ", " between
  McMetrics metrics;
  int n_truncated = 0;
  int n_errors = 0;           // documents that could not be scored (McDocScore::error)
  int unknown_tokens = 0;     // unknown tokens in the documents' requests
  int docs_with_unknown = 0;  // documents with any
};

std::vector<McTaskScores> score_mc_tasks(Backend& backend, std::span<const McTask> tasks);

// lm-evaluation-harness's group score weighted by size: the mean over every member document,
// with its pooled standard error sqrt(sum((n_i - 1) s_i^2) / (N - k) / N).
McMetrics aggregate_group(std::span<const McMetrics> members);

}  // namespace qualm
