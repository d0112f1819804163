#include "metrics/output_length.h"

#include <gtest/gtest.h>

namespace qualm::metrics {
namespace {

TEST(OutputLength, RatioOfWordCounts) {
  EXPECT_DOUBLE_EQ(output_length("a b c", "a b c d e f"), 0.5);
  EXPECT_DOUBLE_EQ(output_length("a b c d e f", "x y z"), 0.5);
  EXPECT_DOUBLE_EQ(output_length(" one\ttwo\n", "three four"), 1.0);
}

TEST(OutputLength, EmptyTexts) {
  EXPECT_DOUBLE_EQ(output_length("", "  "), 1.0);
  EXPECT_DOUBLE_EQ(output_length("", "word"), 0.0);
  EXPECT_DOUBLE_EQ(output_length("word", ""), 0.0);
}

}  // namespace
}  // namespace qualm::metrics
