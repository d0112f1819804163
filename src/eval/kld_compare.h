#pragma once
// Per-token comparison of a candidate's next-token distribution with a base model's,
// with llama.cpp's formulas (tools/perplexity): KLD over base log-probs above -16,
// dp = q(y) - p(y) for the actual token y, top-1 agreement.

#include <cstdint>
#include <span>

#include "backend/backend.h"

namespace qualm {

struct TokenComparison {
  double kld = 0;
  float dp = 0;
  bool same_top = false;
  float nll_model = 0;
  float nll_base = 0;
};

// Writes log-softmax(logits) into out (full precision).
void logprobs_from_logits(std::span<const float> logits, std::span<float> out);

TokenComparison compare_token(std::span<const float> base_logprobs, std::span<const float> model_logits,
                              TokenId target);

// llama.cpp's base-file row: two floats (scale, min log-prob) in the first four uint16
// slots, then one uint16 per vocabulary entry, log-probs clamped to max - 16.
int base_row_width(int n_vocab);
void encode_base_row(std::span<const float> logits, std::span<uint16_t> row);
void decode_base_row(std::span<const uint16_t> row, std::span<float> logprobs);

}  // namespace qualm
