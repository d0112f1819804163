#include "config/yaml_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace qualm {
namespace {

using ::testing::HasSubstr;

std::string problem_of(const std::string& text) {
  const YamlParse parsed = parse_yaml(text);
  if (!parsed.problem) return "none";
  return std::to_string(parsed.problem->line) + ": " + parsed.problem->problem;
}

TEST(YamlText, GoodFilesPass) {
  EXPECT_EQ(problem_of("a: 1\nb: [x, \"y, z\"]\nc: it's fine\nd: 'it''s'\n"), "none");
  // Quotes inside block scalars and comments are text, not openers.
  EXPECT_EQ(problem_of("doc: |\n  He said \"hi\n  and left\nnext: 1 # a \" quote\n"), "none");
  EXPECT_EQ(problem_of("t: \"a\\\"b\"\n"), "none");
}

TEST(YamlText, UnterminatedQuoteIsNamedWhereItOpens) {
  EXPECT_EQ(problem_of("experiment: x\nmodels: [{name: \"m, path: x}]\ntasks: [a]\n"),
            "2: the quote \" opened here is never closed");
  EXPECT_EQ(problem_of("a: 1\nb: 'never\n"), "2: the quote ' opened here is never closed");
}

TEST(YamlText, DeepNestingIsRefusedBeforeTheParser) {
  const std::string deep = "a: " + std::string(100000, '[') + std::string(100000, ']') + "\n";
  EXPECT_EQ(problem_of(deep), "1: brackets are nested deeper than 64 levels");
  std::string block;
  for (int i = 0; i < 70; ++i) block += std::string(static_cast<size_t>(2 * i), ' ') + "k:\n";
  EXPECT_THAT(problem_of(block), HasSubstr("nested"));
}

TEST(YamlText, BadUtf8NamesLineAndByte) {
  EXPECT_EQ(problem_of("a: 1\nexperiment: b\xFF" "d\n"), "2: not valid UTF-8 (byte 18 of the file, column 14)");
}

TEST(YamlText, AliasBombIsRefused) {
  std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) text += std::string(k ? ", " : "") + "*a" + std::to_string(i - 1);
    text += "]\n";
  }
  EXPECT_THAT(problem_of(text), HasSubstr("expands to more than"));
}

TEST(YamlText, TooLargeFile) {
  EXPECT_THAT(problem_of("a: \"" + std::string(kMaxYamlBytes, 'x') + "\"\n"), HasSubstr("bytes, more than the"));
}

}  // namespace
}  // namespace qualm
