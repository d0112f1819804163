#include "stats/moments.h"

#include <gtest/gtest.h>

#include <cmath>

namespace qualm::stats {
namespace {

TEST(MomentSums, MeanAndStandardErrorByHand) {
  MomentSums m;
  for (double x : {1.0, 2.0, 3.0, 4.0}) m.add(x);
  EXPECT_DOUBLE_EQ(m.mean(), 2.5);
  // population variance 1.25; stderr = sqrt(1.25 / 3)
  EXPECT_NEAR(m.stderr_of_mean(), std::sqrt(1.25 / 3), 1e-15);
}

TEST(MomentSums, MergeEqualsSequential) {
  MomentSums all, left, right;
  for (double x : {0.5, 1.5, 9.0}) { all.add(x); left.add(x); }
  for (double x : {2.0, -3.0}) { all.add(x); right.add(x); }
  left.merge(right);
  EXPECT_EQ(left.n, all.n);
  EXPECT_DOUBLE_EQ(left.mean(), all.mean());
  EXPECT_DOUBLE_EQ(left.stderr_of_mean(), all.stderr_of_mean());
}

TEST(MomentSums, DegenerateCasesGiveZeroUncertainty) {
  MomentSums m;
  EXPECT_EQ(m.stderr_of_mean(), 0);
  m.add(3);
  EXPECT_EQ(m.stderr_of_mean(), 0);
  m.add(3);
  EXPECT_EQ(m.stderr_of_mean(), 0);
}

TEST(CoMomentSums, CovarianceOfMeansByHand) {
  CoMomentSums c;
  c.add(1, 2);
  c.add(2, 4);
  c.add(3, 7);
  // E[ab] = 31/3, E[a]E[b] = 26/3, difference 5/3, divided by n - 1 = 2
  EXPECT_NEAR(c.covariance_of_means(), 5.0 / 6.0, 1e-14);
}

}  // namespace
}  // namespace qualm::stats
