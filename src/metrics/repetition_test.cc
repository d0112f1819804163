#include "metrics/repetition.h"

#include <gtest/gtest.h>

namespace qualm::metrics {
namespace {

TEST(Repetition, DistinctOverAllFourGrams) {
  // abcd bcda cdab dabc abcd: 4 distinct of 5.
  EXPECT_DOUBLE_EQ(*repetition("a b c d a b c d"), 0.8);
  EXPECT_DOUBLE_EQ(*repetition("x x x x x x x x"), 1.0 / 5);
  EXPECT_DOUBLE_EQ(*repetition("the cat sat on the mat and slept"), 1.0);
  EXPECT_DOUBLE_EQ(*repetition("A b c d a b c d"), 1.0);  // case is kept
}

TEST(Repetition, UnderEightWordsHasNoValue) {
  // Seven words: a 4-gram cannot occur twice without overlapping itself, so 1.0 would say nothing.
  EXPECT_EQ(repetition("the cat sat on the mat today"), std::nullopt);
  EXPECT_EQ(repetition("x x x x x x"), std::nullopt);
  EXPECT_EQ(repetition("a b c"), std::nullopt);
  EXPECT_EQ(repetition(""), std::nullopt);
}

}  // namespace
}  // namespace qualm::metrics
