#include "backend/logits.h"

#include <cmath>

namespace qualm {

LogitSummary summarize_logits(std::span<const float> logits) {
  LogitSummary s;
  s.max_logit = logits[0];
  for (size_t i = 1; i < logits.size(); ++i) {
    if (logits[i] > s.max_logit) {
      s.max_logit = logits[i];
      s.argmax = static_cast<int>(i);
    }
  }
  double sum = 0.0;
  for (float v : logits) sum += std::exp(v - s.max_logit);
  s.sum_exp = sum;
  s.log_sum_exp = static_cast<float>(std::log(sum));
  return s;
}

double token_logprob(std::span<const float> logits, TokenId token) {
  return token_logprob(logits, summarize_logits(logits), token);
}

double token_logprob(std::span<const float> logits, const LogitSummary& summary, TokenId token) {
  return logits[token] - summary.max_logit - std::log(summary.sum_exp);
}

}  // namespace qualm
