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

ExactMatchOptions gsm8k_options() {  // lm-eval's gsm8k.yaml metric_list
  ExactMatchOptions o = lm_eval_exact_match_options();
  o.ignore_case = true;
  for (const char* p : {",", "\\$", "(?s).*#### ", "\\.$"}) o.regexes_to_ignore.push_back(*PythonRegex::compile(p).regex);
  return o;
}

// Expected values: lm-eval's exact_match_hf_evaluate on the same pair, by hand and checked with Python.
TEST(ExactMatch, LmEvalOptionsAsHfEvaluate) {
  const ExactMatchOptions gsm8k = gsm8k_options();
  const std::string reference = "Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\nShe makes 9 * 2 = $<<9*2=18>>18.\n#### 1,018";
  EXPECT_EQ(exact_match("1,018", reference, gsm8k), 1.0);
  EXPECT_EQ(exact_match("$1018.", reference, gsm8k), 1.0);   // "$" and a final "." removed
  EXPECT_EQ(exact_match("1018.\n", reference, gsm8k), 0.0);  // \.$ matches before a final newline, which stays:
  EXPECT_EQ(exact_match("1018\n", "1018", gsm8k), 0.0);      // nothing is stripped
  EXPECT_EQ(exact_match(" 1018", reference, gsm8k), 0.0);
  EXPECT_EQ(exact_match("[invalid]", reference, gsm8k), 0.0);
  EXPECT_EQ(exact_match("#### 7", "The answer\n#### 7", gsm8k), 1.0);
  const ExactMatchOptions plain = lm_eval_exact_match_options();
  EXPECT_EQ(exact_match("Paris", "paris", plain), 0.0);  // lm-eval's default keeps case
  ExactMatchOptions numbers = plain;
  numbers.ignore_numbers = true;
  numbers.ignore_punctuation = true;
  EXPECT_EQ(exact_match("abc 12!", "abc ", numbers), 1.0);
}

}  // namespace
}  // namespace qualm::metrics
