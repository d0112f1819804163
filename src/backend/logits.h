#pragma once
// Softmax arithmetic on raw logits, computed the way llama.cpp's perplexity tool does
// (float exponentials summed in double) so that results agree to its printed precision.

#include <span>

#include "backend/backend.h"

namespace qualm {

struct LogitSummary {
  float max_logit = 0;
  int argmax = 0;            // first index of the maximum
  double sum_exp = 0;        // sum of exp(logit - max_logit)
  float log_sum_exp = 0;     // log(sum_exp)
};

LogitSummary summarize_logits(std::span<const float> logits);

// log p(token) = logit - max - log(sum_exp), as llama-perplexity computes it.
double token_logprob(std::span<const float> logits, TokenId token);
double token_logprob(std::span<const float> logits, const LogitSummary& summary, TokenId token);

}  // namespace qualm
