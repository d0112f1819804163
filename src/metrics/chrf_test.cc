#include "metrics/chrf.h"

#include <gtest/gtest.h>

namespace qualm::metrics {
namespace {

double f_beta2(double p, double r) { return p + r > 0 ? 5 * p * r / (4 * p + r) : 0.0; }

TEST(Chrf, HandWorkedSentences) {
  EXPECT_DOUBLE_EQ(chrf({"ab"}, {{"ab"}}), 1.0);
  // "abc" vs "abd": 1-grams 2/3 both ways, 2-grams 1/2, 3-grams 0/1; P = R = (2/3 + 1/2 + 0) / 3.
  EXPECT_DOUBLE_EQ(chrf({"abc"}, {{"abd"}}), 7.0 / 18);
  // Whitespace is removed before counting.
  EXPECT_DOUBLE_EQ(chrf({"a b\tc"}, {{"ab d"}}), 7.0 / 18);
}

TEST(Chrf, OrdersMissingOnEitherSideAreLeftOut) {
  // "ab" vs "abc": the hypothesis has no 3-gram, so only orders 1-2 count:
  // P = (2/2 + 1/1) / 2 = 1, R = (2/3 + 1/2) / 2 = 7/12.
  EXPECT_DOUBLE_EQ(chrf({"ab"}, {{"abc"}}), f_beta2(1.0, 7.0 / 12));
  // "abcd" vs "ab": the reference has no 3-gram, which also zeroes the hypothesis' count.
  const ChrfStats s = chrf_stats("abcd", {"ab"});
  EXPECT_EQ(s.counts[3 * 2], 0);
  EXPECT_DOUBLE_EQ(chrf_from_stats(s), f_beta2((2.0 / 4 + 1.0 / 3) / 2, 1.0));
}

TEST(Chrf, CorpusSumsStatisticsThenComputesOneF) {
  // [abc|abd] + [abcd|ab]: order 1: hyp 7, ref 5, match 4; order 2: 5, 3, 2; order 3: 1, 1, 0.
  const double p = (4.0 / 7 + 2.0 / 5 + 0) / 3;
  const double r = (4.0 / 5 + 2.0 / 3 + 0) / 3;
  EXPECT_NEAR(chrf({"abc", "abcd"}, {{"abd"}, {"ab"}}), f_beta2(p, r), 1e-15);
}

TEST(Chrf, BestReferencePerSentence) {
  EXPECT_DOUBLE_EQ(chrf({"abc"}, {{"xyz", "abd"}}), 7.0 / 18);
  EXPECT_DOUBLE_EQ(chrf({"abc"}, {{"abd", "abc"}}), 1.0);
  EXPECT_EQ(chrf_stats("abc", {"abd", "abx"}).counts, chrf_stats("abc", {"abd"}).counts);  // ties keep the first
}

TEST(Chrf, CountsCodePointsNotBytes) {
  EXPECT_DOUBLE_EQ(chrf({"\xC3\xA9"
                         "a"},
                        {{"\xC3\xA9"
                          "b"}}),
                   0.25);  // "éa" vs "éb": 1/2 and 0/1
}

TEST(Chrf, EmptySidesScoreZero) {
  EXPECT_EQ(chrf({""}, {{"abc"}}), 0.0);
  EXPECT_EQ(chrf({"abc"}, {{""}}), 0.0);
}

}  // namespace
}  // namespace qualm::metrics
