#pragma once
// The two ways score_loglikelihood() decodes its prepared requests (loglikelihood.h). Both
// fill results[r] for each r of order (the distinct requests in token order, so that requests
// sharing a prefix sit side by side): sequence, scored tokens, log-probs and is_greedy.

#include <span>
#include <vector>

#include "backend/llama/loglikelihood.h"

namespace qualm::llama {

inline size_t common_prefix(const std::vector<TokenId>& a, const std::vector<TokenId>& b) {
  size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

// Batch-invariant: the requests as a prefix tree walked depth first, one sequence at a time
// (SequenceDecoder): a shared prefix is decoded once, and every row is the one the request
// would get decoded alone.
void score_alone(const LlamaModel& model, llama_context* ctx, const std::vector<PreparedRequest>& prepared,
                 std::span<const size_t> order, const ScoringLimits& limits, std::vector<LoglikelihoodResult>& results,
                 const ProgressFn& progress);

// As llama.cpp's tools pack them (--engine-parity llama): many requests side by side per
// decode as a prefix tree of sequence ids, a decode of about limits.pack tokens.
void score_packed(const LlamaModel& model, llama_context* ctx, const std::vector<PreparedRequest>& prepared,
                  std::span<const size_t> order, const ScoringLimits& limits, std::vector<LoglikelihoodResult>& results,
                  const ProgressFn& progress);

}  // namespace qualm::llama
