#include "core/utf8.h"

#include <gtest/gtest.h>

namespace qualm {
namespace {

TEST(Utf8, CharactersByLeadByte) {
  const auto chars = utf8_characters("a\xC3\xA9\xE2\x80\x94\xF0\x9F\x98\x80\xFF");
  ASSERT_EQ(chars.size(), 5u);
  EXPECT_EQ(chars[1], "\xC3\xA9");
  EXPECT_EQ(chars[2], "\xE2\x80\x94");
  EXPECT_EQ(chars[3].size(), 4u);
  EXPECT_EQ(chars[4], "\xFF");  // a stray byte is a character of its own
  EXPECT_EQ(utf8_characters("\xE2\x80").size(), 1u);  // cut short at the end: what is left
}

TEST(Utf8, ValidSequences) {
  EXPECT_EQ(utf8_valid_length("\xC3\xA9", 0), 2u);
  EXPECT_EQ(utf8_valid_length("\xC0\xAF", 0), 0u);          // overlong
  EXPECT_EQ(utf8_valid_length("\xED\xA0\x80", 0), 0u);      // a surrogate
  EXPECT_EQ(utf8_valid_length("\xF4\x90\x80\x80", 0), 0u);  // past U+10FFFF
  EXPECT_EQ(utf8_decode("\xE2\x80\x94"), U'\u2014');
  EXPECT_EQ(utf8_decode("\xFF"), U'\uFFFD');
  EXPECT_EQ(utf8_truncate("h\xC3\xA9llo", 2), "h\xC3\xA9\u2026");
  EXPECT_EQ(utf8_truncate("h\xC3\xA9llo", 5), "h\xC3\xA9llo");
}

TEST(Utf8, FindsTheFirstBadByteWithItsLine) {
  EXPECT_FALSE(find_invalid_utf8("caf\xC3\xA9\nok\n").has_value());
  const auto bad = find_invalid_utf8("a\nb\nxy\xFFz");
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->byte, 6u);
  EXPECT_EQ(bad->line, 3);
  EXPECT_EQ(bad->column, 3);
  EXPECT_EQ(utf8_replacing_invalid("a\xFF\xC3\xA9"), "a\xEF\xBF\xBD\xC3\xA9");
}

TEST(Utf8, LengthInCodePoints) {
  EXPECT_EQ(utf8_length(""), 0u);
  EXPECT_EQ(utf8_length("\xC3\xA9\xC3\xA9"), 2u);  // Python: len("éé") == 2
  EXPECT_EQ(utf8_length("a\xF0\x9F\x98\x80"), 2u);
}

}  // namespace
}  // namespace qualm
