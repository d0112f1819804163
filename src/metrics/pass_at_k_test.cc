#include "metrics/pass_at_k.h"

#include <gtest/gtest.h>

namespace qualm::metrics {
namespace {

// Hand-computed: 1 - C(n-c, k) / C(n, k).
TEST(PassAtK, UnbiasedEstimator) {
  EXPECT_DOUBLE_EQ(pass_at_k(10, 3, 1), 0.3);
  EXPECT_NEAR(pass_at_k(10, 3, 5), 1.0 - 21.0 / 252.0, 1e-15);         // C(7,5)=21, C(10,5)=252
  EXPECT_NEAR(pass_at_k(20, 2, 10), 1.0 - 43758.0 / 184756.0, 1e-15);  // C(18,10), C(20,10)
  EXPECT_DOUBLE_EQ(pass_at_k(5, 0, 1), 0.0);
  EXPECT_DOUBLE_EQ(pass_at_k(5, 4, 2), 1.0);  // fewer than k failures: a draw of k always holds a pass
  EXPECT_DOUBLE_EQ(pass_at_k(1, 1, 1), 1.0);
  EXPECT_DOUBLE_EQ(pass_at_k(1, 0, 1), 0.0);
}

TEST(PassAtK, NamesCarryK) {
  EXPECT_EQ(pass_at_k_of("pass@1"), 1);
  EXPECT_EQ(pass_at_k_of("pass@64"), 64);
  EXPECT_EQ(pass_at_k_of("pass_at_1"), 1);
  EXPECT_EQ(pass_at_k_of("pass@0"), std::nullopt);
  EXPECT_EQ(pass_at_k_of("pass@01"), std::nullopt);
  EXPECT_EQ(pass_at_k_of("pass@k"), std::nullopt);
  EXPECT_EQ(pass_at_k_of("pass@1x"), std::nullopt);
  EXPECT_EQ(pass_at_k_of("exact_match"), std::nullopt);
}

}  // namespace
}  // namespace qualm::metrics
