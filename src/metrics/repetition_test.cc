#include "metrics/repetition.h"

#include <gtest/gtest.h>

namespace qualm::metrics {
namespace {

TEST(Repetition, DistinctOverAllFourGrams) {
  // abcd bcda cdab dabc abcd: 4 distinct of 5.
  EXPECT_DOUBLE_EQ(repetition("a b c d a b c d"), 0.8);
  EXPECT_DOUBLE_EQ(repetition("x x x x x x"), 1.0 / 3);
  EXPECT_DOUBLE_EQ(repetition("the cat sat on the mat"), 1.0);
  EXPECT_DOUBLE_EQ(repetition("A b c d a b c d"), 1.0);  // case is kept
}

TEST(Repetition, NoFourGramScoresOne) {
  EXPECT_DOUBLE_EQ(repetition("a b c"), 1.0);
  EXPECT_DOUBLE_EQ(repetition(""), 1.0);
}

}  // namespace
}  // namespace qualm::metrics
