#include "io/csv.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/errors.h"

namespace qualm {
namespace {

using Fields = std::vector<std::string>;

std::string error_of(const std::string& text, char sep = ',') {
  try {
    parse_csv(text, sep, "t.csv");
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no InputError";
  return "";
}

TEST(Csv, PlainRowsWithLines) {
  const auto rows = parse_csv("a,b,c\n1,2,3\n", ',', "t.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].fields, (Fields{"a", "b", "c"}));
  EXPECT_EQ(rows[0].line, 1);
  EXPECT_EQ(rows[1].fields, (Fields{"1", "2", "3"}));
  EXPECT_EQ(rows[1].line, 2);
}

TEST(Csv, QuotedSeparatorAndDoubledQuote) {
  const auto rows = parse_csv("\"x, y\",\"say \"\"hi\"\"\",\"\"\n", ',', "t.csv");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].fields, (Fields{"x, y", "say \"hi\"", ""}));
}

TEST(Csv, EmbeddedNewlineKeepsLaterLineNumbers) {
  const auto rows = parse_csv("q,a\n\"line one\nline two\n\",1\nnext,2\n", ',', "t.csv");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].fields, (Fields{"line one\nline two\n", "1"}));
  EXPECT_EQ(rows[1].line, 2);
  EXPECT_EQ(rows[2].fields, (Fields{"next", "2"}));
  EXPECT_EQ(rows[2].line, 5);
}

TEST(Csv, CrlfEndsRowsButStaysInsideQuotes) {
  const auto rows = parse_csv("a,b\r\n\"1\r\n2\",3\r\n4,5", ',', "t.csv");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].fields, (Fields{"a", "b"}));
  EXPECT_EQ(rows[1].fields, (Fields{"1\r\n2", "3"}));
  EXPECT_EQ(rows[2].fields, (Fields{"4", "5"}));  // no final newline
  EXPECT_EQ(rows[2].line, 4);
}

TEST(Csv, FinalRowWithoutNewline) {
  const auto rows = parse_csv("a\n\"b\"", ',', "t.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].fields, (Fields{"b"}));
}

TEST(Csv, EmptyFieldsAndTrailingSeparator) {
  const auto rows = parse_csv(",x,\n,,\n", ',', "t.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].fields, (Fields{"", "x", ""}));
  EXPECT_EQ(rows[1].fields, (Fields{"", "", ""}));
}

TEST(Csv, BlankLinesSkipped) {
  const auto rows = parse_csv("\na,b\n\r\n\n1,2\n\n", ',', "t.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].line, 2);
  EXPECT_EQ(rows[1].line, 5);
}

TEST(Csv, QuoteInsideUnquotedFieldIsKept) {
  const auto rows = parse_csv("5\" disk,a\"b\"\n", ',', "t.csv");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].fields, (Fields{"5\" disk", "a\"b\""}));
}

TEST(Csv, BomDropped) {
  const auto rows = parse_csv("\xEF\xBB\xBFquestion,answer\n", ',', "t.csv");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].fields, (Fields{"question", "answer"}));
}

TEST(Csv, EmptyTextHasNoRows) { EXPECT_TRUE(parse_csv("", ',', "t.csv").empty()); }

TEST(Csv, TabSeparatorWithQuotes) {
  const auto rows = parse_csv("s\tl\n\"a\tb \"\"c\"\"\"\t1\nplain, with comma\t0\n", '\t', "t.tsv");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].fields, (Fields{"a\tb \"c\"", "1"}));
  EXPECT_EQ(rows[2].fields, (Fields{"plain, with comma", "0"}));
}

TEST(Csv, UnterminatedQuoteNamesTheLineItOpened) {
  EXPECT_EQ(error_of("a,b\n1,2\n3,\"open\nmore\nlines\n"),
            "t.csv:3: quoted field is never closed (a field that starts with '\"' must end with '\"'; write a quote "
            "inside it as \"\")");
}

TEST(Csv, TextAfterClosingQuote) {
  EXPECT_EQ(error_of("a,b\n\"x\ny\"z,1\n"),
            "t.csv:3: text after the closing quote of a field (a quoted field must be followed by ',' or the end of "
            "the line; write a quote inside it as \"\")");
  EXPECT_NE(error_of("\"x\" \t1\n", '\t').find("followed by a tab"), std::string::npos);
}

}  // namespace
}  // namespace qualm
