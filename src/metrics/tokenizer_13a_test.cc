#include "metrics/tokenizer_13a.h"

#include <gtest/gtest.h>

namespace qualm::metrics {
namespace {

TEST(Tokenizer13a, SplitsPunctuationAndSymbols) {
  EXPECT_EQ(tokenize_13a("Hello, world!"), "Hello , world !");
  EXPECT_EQ(tokenize_13a("price: $5.00!"), "price : $ 5.00 !");
  EXPECT_EQ(tokenize_13a("\xC3\xA9. (x)"), "\xC3\xA9 . ( x )");
  EXPECT_EQ(tokenize_13a("don't stop"), "don't stop");  // the apostrophe stays
}

TEST(Tokenizer13a, PeriodsAndCommasAroundDigits) {
  EXPECT_EQ(tokenize_13a("3.14 and 1,000."), "3.14 and 1,000 .");
  EXPECT_EQ(tokenize_13a("U.S.A. is big."), "U . S . A . is big .");
  EXPECT_EQ(tokenize_13a("x,y.z"), "x , y . z");
  EXPECT_EQ(tokenize_13a("a..b"), "a . . b");
  EXPECT_EQ(tokenize_13a("5-3 = 2"), "5 - 3 = 2");
  EXPECT_EQ(tokenize_13a("well-known"), "well-known");
}

TEST(Tokenizer13a, LanguageIndependentPart) {
  EXPECT_EQ(tokenize_13a("&quot;hi&quot; &amp; bye"), "\" hi \" & bye");
  EXPECT_EQ(tokenize_13a("a-\nb"), "ab");
  EXPECT_EQ(tokenize_13a("<skipped>x  y\n"), "x y");
  EXPECT_EQ(tokenize_13a(""), "");
}

}  // namespace
}  // namespace qualm::metrics
