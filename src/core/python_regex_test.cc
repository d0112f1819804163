#include "core/python_regex.h"

#include <gtest/gtest.h>

namespace qualm {
namespace {

PythonRegex compiled(const std::string& pattern) {
  PythonRegex::Compiled c = PythonRegex::compile(pattern);
  EXPECT_TRUE(c.regex.has_value()) << pattern << ": " << c.problem;
  return c.regex ? *c.regex : *PythonRegex::compile("x").regex;
}

// Each match as Python's findall gives it: the whole match, the one group, or the groups joined by '|'.
std::vector<std::string> findall(const std::string& pattern, const std::string& text) {
  std::vector<std::string> out;
  for (const PythonMatch& m : compiled(pattern).findall(text)) {
    if (m.groups.empty()) {
      out.push_back(m.whole);
    } else {
      std::string joined = m.groups[0];
      for (size_t g = 1; g < m.groups.size(); ++g) joined += "|" + m.groups[g];
      out.push_back(joined);
    }
  }
  return out;
}

using V = std::vector<std::string>;

// Expected values are what Python 3.11's re.findall / re.sub give on the same text.
TEST(PythonRegex, FindallAsPython) {
  EXPECT_EQ(findall(R"(#### (\-?[0-9\.\,]+))", "so 3+4=7\n#### 1,234.5\n"), V{"1,234.5"});
  EXPECT_EQ(findall(R"((-?[$0-9.,]{2,})|(-?[0-9]+))", "She has $18 and 3 eggs, total 21."), (V{"$18|", "|3", "21.|"}));
  EXPECT_EQ(findall(R"(The answer is (\-?[0-9\.\,]+).)", "The answer is 6. The answer is 7."), (V{"6.", "7"}));
  EXPECT_EQ(findall(R"((?i)ANSWER)", "answer Answer"), (V{"answer", "Answer"}));
  EXPECT_EQ(findall(R"(x*)", "axxb"), (V{"", "xx", "", ""}));
  EXPECT_EQ(findall(R"(\bis\b)", "this is"), V{"is"});
  EXPECT_EQ(findall(R"((a)|(b))", "ab"), (V{"a|", "|b"}));
}

TEST(PythonRegex, WhereEcmaScriptDiffers) {
  EXPECT_EQ(findall("a.b", "a\rb a\nb"), V{"a\rb"});               // . takes \r, not \n
  EXPECT_EQ(findall("(?s)a.b", "a\nb"), V{"a\nb"});                // (?s): . takes \n
  EXPECT_EQ(findall("x$", "x\n"), V{"x"});                         // $ before a final newline
  EXPECT_EQ(findall(R"(a\Z)", "a\n"), V{});                        // \Z: the very end
  EXPECT_EQ(findall(R"(\Aa)", "aa"), V{"a"});
  EXPECT_EQ(findall("a{", "a{"), V{"a{"});                         // a { that repeats nothing is literal
  EXPECT_EQ(findall("a{,2}", "aaa"), (V{"aa", "a", ""}));         // {,n} is {0,n}
  EXPECT_EQ(findall("[]a]+", "]a]b"), V{"]a]"});                   // a first ] is literal
  EXPECT_EQ(findall("[[:digit:]]+", "5 [:d]"), V{"d]"});           // no POSIX classes: [[:digt] then ]+
  EXPECT_EQ(findall(R"((?P<n>\d)(?P=n))", "11 23 44"), (V{"1", "4"}));
  EXPECT_EQ(findall("é+", "éé"), V{"éé"});                          // a repeat takes the whole character
  EXPECT_EQ(findall(R"(\s+)", "a\x1c" "b"), V{"\x1c"});
  EXPECT_EQ(findall(R"(a(?#note)b)", "ab"), V{"ab"});
}

TEST(PythonRegex, RemoveAllAsReSub) {
  EXPECT_EQ(compiled("(?s).*#### ").remove_all("a\nb #### 18"), "18");
  EXPECT_EQ(compiled(R"(\.$)").remove_all("18.\n"), "18\n");
  EXPECT_EQ(compiled(R"(\.$)").remove_all("18."), "18");
  EXPECT_EQ(compiled(",").remove_all("1,234"), "1234");
  EXPECT_EQ(compiled(R"(\$)").remove_all("$5"), "5");
}

TEST(PythonRegex, RefusesWhatItCannotRunWithAReason) {
  const auto problem = [](const std::string& p) { return PythonRegex::compile(p).problem; };
  EXPECT_EQ(problem("(?m)^a"), "the inline flag (?m) is not supported");
  EXPECT_EQ(problem("a(?s).b"), "inline flags such as (?s) must start the pattern");
  EXPECT_EQ(problem("(?s:a.b)"), "scoped flags (?flags:...) are not supported");
  EXPECT_EQ(problem("(?<=a)b"), "lookbehind (?<=...) and (?<!...) is not supported");
  EXPECT_EQ(problem("(?>a)"), "atomic groups (?>...) are not supported");
  EXPECT_EQ(problem("a*+"), "possessive repeats (*+, ++, ?+, {m,n}+) are not supported");
  EXPECT_EQ(problem("[é]"), "a non-ASCII character inside [...] is not supported");
  EXPECT_EQ(problem(R"(\q)"), "'\\q' is not an escape Python's re knows");
  EXPECT_EQ(problem("(a"), "its ( and ) do not match");
  EXPECT_EQ(problem("[a"), "its [ and ] do not match");
  EXPECT_EQ(problem("*a"), "a *, +, ? or { follows nothing it can repeat");
  EXPECT_EQ(problem("a{3,1}"), "a {m,n} repeat has m greater than n");
  EXPECT_FALSE(PythonRegex::compile("(?P=x)").regex.has_value());
}

TEST(PythonRegex, LongTextsDoNotOverflowTheStack) {
  const std::string text = std::string(200000, 'a') + "\n#### 42";
  EXPECT_EQ(compiled("(?s).*#### ").remove_all(text), "42");
  EXPECT_EQ(compiled(R"(#### (\d+))").findall(text).at(0).groups.at(0), "42");
}

}  // namespace
}  // namespace qualm
