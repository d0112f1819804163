#include "backend/logits.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace qualm {
namespace {

TEST(TokenLogprob, EqualsLogSoftmaxByHand) {
  const std::vector<float> logits = {1, 2, 3};
  const double expected = 3 - std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));  // -0.40760596
  EXPECT_NEAR(token_logprob(logits, 2), expected, 1e-6);
  EXPECT_NEAR(token_logprob(logits, 0), expected - 2, 1e-6);
}

TEST(SummarizeLogits, FirstMaximumWins) {
  const std::vector<float> logits = {0, 5, 5, -1};
  const LogitSummary s = summarize_logits(logits);
  EXPECT_EQ(s.argmax, 1);
  EXPECT_FLOAT_EQ(s.max_logit, 5);
  EXPECT_NEAR(s.sum_exp, 2 + std::exp(-5.0) + std::exp(-6.0), 1e-6);
}

}  // namespace
}  // namespace qualm
