#include "metrics/exact_match.h"

#include <gtest/gtest.h>

namespace qualm::metrics {
namespace {

TEST(ExactMatch, StripAndCaseFold) {
  EXPECT_EQ(exact_match("  Paris \n", "paris"), 1.0);
  EXPECT_EQ(exact_match("\xC2\xA0YES\xE3\x80\x80", "yes"), 1.0);  // Unicode spaces strip too
  EXPECT_EQ(exact_match("Pa ris", "Paris"), 0.0);
  EXPECT_EQ(exact_match("Paris.", "paris"), 0.0);
  EXPECT_EQ(exact_match("", "  "), 1.0);
}

TEST(ExactMatch, IgnorePunctuationRemovesAsciiPunctuation) {
  const ExactMatchOptions ignore{.ignore_punctuation = true};
  EXPECT_EQ(exact_match("Paris.", "paris", ignore), 1.0);
  EXPECT_EQ(exact_match("\"positive\" !", "Positive", ignore), 1.0);
  EXPECT_EQ(exact_match("it's", "its", ignore), 1.0);
  EXPECT_EQ(exact_match("a b", "ab", ignore), 0.0);  // spaces are not punctuation
}

}  // namespace
}  // namespace qualm::metrics
