#include "eval/kld_compare.h"

#include <cmath>
#include <cstring>

#include "backend/logits.h"

namespace qualm {
namespace {

// llama.cpp's nearest_int: round-to-nearest through the float mantissa.
int nearest_int(float fval) {
  float val = fval + 12582912.f;
  int i;
  std::memcpy(&i, &val, sizeof(int));
  return (i & 0x007fffff) - 0x00400000;
}

}  // namespace

void logprobs_from_logits(std::span<const float> logits, std::span<float> out) {
  const LogitSummary s = summarize_logits(logits);
  const float shift = s.max_logit + s.log_sum_exp;
  for (size_t i = 0; i < logits.size(); ++i) out[i] = logits[i] - shift;
}

TokenComparison compare_token(std::span<const float> base_logprobs, std::span<const float> model_logits,
                              TokenId target) {
  const LogitSummary s = summarize_logits(model_logits);
  TokenComparison c;
  c.nll_model = s.max_logit + s.log_sum_exp - model_logits[target];
  c.nll_base = -base_logprobs[target];

  const float shift = s.max_logit + s.log_sum_exp;
  double sum = 0;
  int base_argmax = 0;
  for (size_t i = 0; i < base_logprobs.size(); ++i) {
    const float lp = base_logprobs[i];
    if (lp > base_logprobs[base_argmax]) base_argmax = static_cast<int>(i);
    if (lp > -16.f) sum += std::exp(lp) * (lp - model_logits[i] + shift);
  }
  c.kld = sum;
  c.same_top = s.argmax == base_argmax;
  c.dp = std::exp(-c.nll_model) - std::exp(-c.nll_base);
  return c;
}

int base_row_width(int n_vocab) { return 2 * ((n_vocab + 1) / 2) + 4; }

void encode_base_row(std::span<const float> logits, std::span<uint16_t> row) {
  float max_logit = logits[0];
  float min_logit = logits[0];
  for (float v : logits) {
    max_logit = std::max(max_logit, v);
    min_logit = std::min(min_logit, v);
  }
  min_logit = std::max(min_logit, max_logit - 16);
  double sum_exp = 0.0;
  for (float v : logits) sum_exp += std::exp(v - max_logit);
  const float log_sum_exp = static_cast<float>(std::log(sum_exp));
  const float min_log_prob = min_logit - max_logit - log_sum_exp;
  const float scale = (max_logit - min_logit) / 65535.f;
  std::memcpy(row.data(), &scale, sizeof(float));
  std::memcpy(row.data() + 2, &min_log_prob, sizeof(float));
  uint16_t* q = row.data() + 4;
  if (scale != 0) {
    const float inv_scale = 1 / scale;
    for (size_t i = 0; i < logits.size(); ++i) {
      q[i] = logits[i] > min_logit ? static_cast<uint16_t>(nearest_int(inv_scale * (logits[i] - min_logit))) : 0;
    }
  } else {
    std::memset(q, 0, logits.size() * sizeof(uint16_t));
  }
}

void decode_base_row(std::span<const uint16_t> row, std::span<float> logprobs) {
  float scale, min_log_prob;
  std::memcpy(&scale, row.data(), sizeof(float));
  std::memcpy(&min_log_prob, row.data() + 2, sizeof(float));
  const uint16_t* q = row.data() + 4;
  for (size_t i = 0; i < logprobs.size(); ++i) logprobs[i] = scale * q[i] + min_log_prob;
}

}  // namespace qualm
