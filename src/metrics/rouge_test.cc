#include "metrics/rouge.h"

#include <gtest/gtest.h>

namespace qualm::metrics {
namespace {

using Words = std::vector<std::string>;

void expect_prf(const PrfScore& s, double p, double r) {
  EXPECT_DOUBLE_EQ(s.precision, p);
  EXPECT_DOUBLE_EQ(s.recall, r);
  EXPECT_DOUBLE_EQ(s.f1, p + r > 0 ? 2 * p * r / (p + r) : 0.0);
}

TEST(RougeTokenize, LowercaseAlphanumericRuns) {
  EXPECT_EQ(rouge_tokenize("The quick-brown FOX, 2nd!"), (Words{"the", "quick", "brown", "fox", "2nd"}));
  EXPECT_EQ(rouge_tokenize("caf\xC3\xA9 na\xC3\xAFve"), (Words{"caf", "na", "ve"}));  // non-ASCII separates
  // Python's lower() maps U+0130 to "i" + U+0307 and U+212A (Kelvin) to "k".
  EXPECT_EQ(rouge_tokenize("\xC4\xB0stanbul \xE2\x84\xAA"
                           "elvin"),
            (Words{"i", "stanbul", "kelvin"}));
  EXPECT_TRUE(rouge_tokenize("!!! ...").empty());
}

TEST(RougeTokenize, StemsOnlyWordsLongerThanThree) {
  EXPECT_EQ(rouge_tokenize("Running dogs ran cats", true), (Words{"run", "dog", "ran", "cat"}));
  EXPECT_EQ(rouge_tokenize("ties was", true), (Words{"tie", "was"}));  // "was" is left alone
}

TEST(LcsLength, ClassicCases) {
  EXPECT_EQ(lcs_length({"a", "b", "c", "b", "d", "a", "b"}, {"b", "d", "c", "a", "b", "a"}), 4u);
  EXPECT_EQ(lcs_length({}, {"a"}), 0u);
  EXPECT_EQ(lcs_length({"x"}, {"y"}), 0u);
}

TEST(RougeL, LcsPrecisionRecallF1) {
  // LCS "the cat on the mat" = 5 of 6 words on both sides.
  expect_prf(rouge_l("the cat sat on the mat", "The cat is on the mat."), 5.0 / 6, 5.0 / 6);
  // rouge-score's own test: prediction "testing" against "testing one two".
  expect_prf(rouge_l("testing", "testing one two"), 1.0, 1.0 / 3);
  expect_prf(rouge_l("", "abc"), 0, 0);
  expect_prf(rouge_l("---", "abc"), 0, 0);
}

TEST(RougeL, StemmerMakesInflectionsMatch) {
  // [run, dog] against [the, dog, run]: LCS 1.
  expect_prf(rouge_l("running dogs", "the dog runs", true), 1.0 / 2, 1.0 / 3);
  expect_prf(rouge_l("running dogs", "the dog runs", false), 0, 0);
}

TEST(RougeLsum, UnionLcsOverSentences) {
  // The ROUGE paper's example: union of LCS = w1 w2 w3 w5; 4 hits of 5 reference and 10
  // prediction words.
  expect_prf(rouge_lsum("w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5", "w1 w2 w3 w4 w5"), 0.4, 0.8);
}

TEST(RougeLsum, EachTokenCountsOnceAcrossSentences) {
  // The second reference sentence finds "a" and "b" already used up.
  expect_prf(rouge_lsum("a b", "a b\na b"), 1.0, 0.5);
}

TEST(RougeLsum, BacktrackingPicksTheLcsRougeScoreDoes) {
  // Against "b a", the reference sentence "a b" has two LCS of length 1; rouge-score's
  // backtracking takes "a", which leaves "b" for the second sentence: 2 hits, not 1.
  expect_prf(rouge_lsum("b a", "a b\nb"), 1.0, 2.0 / 3);
}

TEST(RougeLsum, EmptyLinesAndEmptySides) {
  expect_prf(rouge_lsum("a b\n\n", "\na b"), 1.0, 1.0);
  expect_prf(rouge_lsum("", "a"), 0, 0);
  expect_prf(rouge_lsum("...\n!!", "a"), 0, 0);
}

}  // namespace
}  // namespace qualm::metrics
