#include "eval/kld_compare.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace qualm {
namespace {

std::vector<float> log_of(std::vector<double> p) {
  std::vector<float> out;
  for (double x : p) out.push_back(static_cast<float>(std::log(x)));
  return out;
}

// p = (0.5, 0.25, 0.25), q = (0.25, 0.5, 0.25):
// KL(p || q) = 0.5 ln 2 + 0.25 ln 0.5 = 0.25 ln 2.
TEST(CompareToken, HandComputedDistributions) {
  const std::vector<float> base = log_of({0.5, 0.25, 0.25});
  std::vector<float> model_logits = log_of({0.25, 0.5, 0.25});
  for (float& v : model_logits) v += 3.0f;  // logits are log-probs up to a constant
  const TokenComparison c = compare_token(base, model_logits, /*target=*/1);
  EXPECT_NEAR(c.kld, 0.25 * std::log(2.0), 1e-6);
  EXPECT_FALSE(c.same_top);
  EXPECT_NEAR(c.dp, 0.5 - 0.25, 1e-6);
  EXPECT_NEAR(c.nll_model, std::log(2.0), 1e-6);
  EXPECT_NEAR(c.nll_base, std::log(4.0), 1e-6);
}

TEST(CompareToken, IdenticalDistributionsAgree) {
  const std::vector<float> logits = {0.1f, 2.0f, -1.0f, 0.5f};
  std::vector<float> base(logits.size());
  logprobs_from_logits(logits, base);
  const TokenComparison c = compare_token(base, logits, 3);
  EXPECT_NEAR(c.kld, 0.0, 1e-7);
  EXPECT_TRUE(c.same_top);
  EXPECT_NEAR(c.dp, 0.0, 1e-7);
}

// Terms with base log-prob at or below -16 are left out, as llama.cpp does.
TEST(CompareToken, IgnoresBaseTailBelowMinus16) {
  const std::vector<float> base = {std::log(1.0f - 1e-8f), -17.0f};
  const std::vector<float> model = {0.0f, 0.0f};  // uniform
  const TokenComparison c = compare_token(base, model, 0);
  EXPECT_NEAR(c.kld, std::log(2.0), 1e-6);
}

TEST(BaseRow, RoundTripWithinQuantizationStep) {
  const std::vector<float> logits = {3.0f, 1.0f, -2.5f, 0.25f, -40.0f};
  std::vector<uint16_t> row(static_cast<size_t>(base_row_width(static_cast<int>(logits.size()))));
  encode_base_row(logits, row);
  std::vector<float> decoded(logits.size());
  decode_base_row(row, decoded);
  std::vector<float> exact(logits.size());
  logprobs_from_logits(logits, exact);
  const float step = 16.0f / 65535.0f;  // (max - clamped min) / 65535
  for (size_t i = 0; i + 1 < logits.size(); ++i) EXPECT_NEAR(decoded[i], exact[i], step) << i;
  // -40 lies below max - 16, so it is stored as the clamp, max - 16 - log-sum-exp.
  EXPECT_NEAR(decoded.back(), exact[0] - 16.0f, 1e-4);
}

}  // namespace
}  // namespace qualm
