#include "metrics/unicode_text.h"

#include <gtest/gtest.h>

namespace qualm::metrics {
namespace {

using Words = std::vector<std::string>;

TEST(SplitWhitespace, LikePythonStrSplit) {
  EXPECT_EQ(split_whitespace("  a\tb\nc  "), (Words{"a", "b", "c"}));
  // U+00A0 (no-break space), U+3000 (ideographic space), \x1c are whitespace to Python.
  EXPECT_EQ(split_whitespace("x\xC2\xA0y\xE3\x80\x80z\x1cw"), (Words{"x", "y", "z", "w"}));
  EXPECT_EQ(split_whitespace("caf\xC3\xA9 ok"), (Words{"caf\xC3\xA9", "ok"}));  // é is a letter
  EXPECT_TRUE(split_whitespace(" \t ").empty());
}

TEST(StripWhitespace, BothEndsOrRightOnly) {
  EXPECT_EQ(strip_whitespace("\xC2\xA0 hi there \n"), "hi there");
  EXPECT_EQ(rstrip_whitespace("  hi \r\n"), "  hi");
  EXPECT_EQ(strip_whitespace("   "), "");
}

TEST(Utf8Chars, OneEntryPerCodePoint) {
  const auto chars = utf8_chars("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");  // a é € 😀
  ASSERT_EQ(chars.size(), 4u);
  EXPECT_EQ(chars[1].size(), 2u);
  EXPECT_EQ(chars[2].size(), 3u);
  EXPECT_EQ(chars[3].size(), 4u);
  EXPECT_EQ(utf8_chars("\xFF\xC3").size(), 2u);  // invalid and truncated bytes count alone
}

TEST(AsciiLower, OnlyAsciiLetters) { EXPECT_EQ(ascii_lower("AbC-\xC3\x89"), "abc-\xC3\x89"); }

}  // namespace
}  // namespace qualm::metrics
