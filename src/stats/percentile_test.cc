#include "stats/percentile.h"

#include <gtest/gtest.h>

#include <vector>

namespace qualm::stats {
namespace {

// Expected values are numpy.percentile(values, 100 * fraction) (linear interpolation).
TEST(Percentile, InterpolatesLinearlyAtFractionTimesNMinusOne) {
  const std::vector<float> v = {1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(percentile_sorted(v, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(percentile_sorted(v, 0.25), 1.75);
  EXPECT_NEAR(percentile_sorted(v, 0.9), 3.7, 1e-12);
  EXPECT_NEAR(percentile_sorted(v, 0.999), 3.997, 1e-12);
}

TEST(Percentile, ClampsAndHandlesEdges) {
  const std::vector<float> v = {-1, 5};
  EXPECT_DOUBLE_EQ(percentile_sorted(v, 0), -1);
  EXPECT_DOUBLE_EQ(percentile_sorted(v, 1), 5);
  EXPECT_DOUBLE_EQ(percentile_sorted(v, -0.5), -1);
  EXPECT_DOUBLE_EQ(percentile_sorted(std::vector<float>{}, 0.5), 0);
  EXPECT_DOUBLE_EQ(percentile_sorted(std::vector<float>{7}, 0.3), 7);
}

TEST(Median, MiddleOrMeanOfMiddles) {
  EXPECT_DOUBLE_EQ(median_sorted(std::vector<float>{1, 2, 10}), 2);
  EXPECT_DOUBLE_EQ(median_sorted(std::vector<float>{1, 2, 10, 20}), 6);
}

}  // namespace
}  // namespace qualm::stats
