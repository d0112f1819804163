#pragma once
// Scores kld tasks: each document's next-token distributions from a candidate backend are
// compared with a base backend's on the same tokens (the base's tokenization, handed to the
// candidate), through the rolling windows of loglikelihood_rolling, so every token of every
// document is scored once. The formulas are llama.cpp's (eval/kld_compare.h, KldAccumulator):
// per document, per task over all of its tokens, and per category of document.
// A task with `continuation: {max_new_tokens: N}` scores the base's greedy continuation of each
// text instead: the base generates up to N tokens, both models read text + continuation, and
// only the continuation's tokens are scored (the text is context), so the statistics measure
// how far the candidate drifts on what the base itself would say.

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "eval/kld.h"
#include "tasks/rolling_docs.h"

namespace qualm {

struct KldDocScore {
  int64_t n_tokens = 0;
  int n_windows = 0;
  std::string error;  // the document could not be scored: left out of the task's figures
  int unknown_tokens = 0;
  bool truncated = false;                 // more than one window
  std::map<std::string, double> metrics;  // kld_metrics() of the document's tokens
  KldAccumulator state;                   // mergeable: its record carries it (kld_state)
  // Continuation tasks: the base's greedy continuation, and the tokens before it (the start
  // token and the text's); n_tokens counts the continuation's tokens, as lm-eval splits a
  // context and continuation: tokens(text + continuation) minus tokens(text).
  std::string continuation;
  int64_t context_tokens = 0;
};

struct KldTaskScores {
  std::vector<KldDocScore> docs;
  std::map<std::string, double> summary;  // over every token of every document
  std::map<std::string, std::map<std::string, double>> categories;  // documents with a category field
  int n_truncated = 0;
  int n_errors = 0;
  int unknown_tokens = 0;
  int docs_with_unknown = 0;
};

// progress: (windows done, windows in all). The candidate must share the base's vocabulary
// and window size; otherwise InputError.
std::vector<KldTaskScores> score_kld_tasks(Backend& base, Backend& model, std::span<const KldTask> tasks,
                                           const ProgressFn& progress = {});

// A KldSummary as flat metrics: kld_mean, kld_stderr, kld_median, kld_p99, kld_p95, kld_p90,
// kld_max, same_top, same_top_stderr, dp_mean, dp_stderr, rms_dp, ppl_base, ppl_model,
// ppl_ratio, ln_ppl_ratio, ppl_diff, logprob_correlation, n_tokens (as qualm kld names them).
std::map<std::string, double> kld_metrics(const KldSummary& s);

}  // namespace qualm
