#include "metrics/coherence.h"

#include <gtest/gtest.h>

#include <cmath>

namespace qualm::metrics {
namespace {

TEST(Coherence, CosineOfSentenceVectors) {
  EXPECT_NEAR(coherence({1, 2, 3}, {4, 5, 6}), 32 / (std::sqrt(14.0) * std::sqrt(77.0)), 1e-12);
  EXPECT_NEAR(coherence({1, 0}, {-3, 0}), -1.0, 1e-15);  // raw, not clamped at 0
  EXPECT_NEAR(coherence({2, 0}, {0, 5}), 0.0, 1e-15);
  EXPECT_EQ(coherence({0, 0}, {1, 1}), 0.0);
  EXPECT_THROW(coherence({1}, {1, 2}), std::invalid_argument);
}

TEST(MeanPool, AveragesTokens) {
  EXPECT_EQ(mean_pool({{1, 2}, {3, 6}}), (std::vector<float>{2, 4}));
  EXPECT_TRUE(mean_pool({}).empty());
}

}  // namespace
}  // namespace qualm::metrics
