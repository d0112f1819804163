#include "metrics/bleu.h"

#include <gtest/gtest.h>

#include <cmath>

namespace qualm::metrics {
namespace {

TEST(Bleu, HandWorkedPrecisions) {
  // 1-4 grams of "a b c d e" against "a b c d f": 4/5, 3/4, 2/3, 1/2; equal lengths.
  const BleuScore b = sentence_bleu("a b c d e", {"a b c d f"});
  EXPECT_DOUBLE_EQ(b.precisions[0], 0.8);
  EXPECT_DOUBLE_EQ(b.precisions[1], 0.75);
  EXPECT_DOUBLE_EQ(b.precisions[2], 2.0 / 3);
  EXPECT_DOUBLE_EQ(b.precisions[3], 0.5);
  EXPECT_DOUBLE_EQ(b.brevity_penalty, 1.0);
  EXPECT_NEAR(b.score, std::pow(0.8 * 0.75 * (2.0 / 3) * 0.5, 0.25), 1e-15);
  EXPECT_EQ(b.translation_length, 5);
  EXPECT_EQ(b.reference_length, 5);
}

TEST(Bleu, NoSmoothingMeansZeroWithoutAFourGramMatch) {
  // Matches 5/6, 3/5, 1/4, 0/3.
  const BleuScore b = sentence_bleu("the cat sat on the mat", {"the cat is on the mat"});
  EXPECT_DOUBLE_EQ(b.precisions[0], 5.0 / 6);
  EXPECT_DOUBLE_EQ(b.precisions[1], 3.0 / 5);
  EXPECT_DOUBLE_EQ(b.precisions[2], 1.0 / 4);
  EXPECT_DOUBLE_EQ(b.precisions[3], 0.0);
  EXPECT_EQ(b.score, 0.0);
}

TEST(Bleu, BrevityPenaltyFromTheShortestReference) {
  // 5 words against references of 3 and 6 words: compute_bleu takes 3, so no penalty
  // (sacrebleu would take the closest, 6).
  const BleuScore b = sentence_bleu("a b c d e", {"a b c", "a b c d e f"});
  EXPECT_EQ(b.reference_length, 3);
  EXPECT_DOUBLE_EQ(b.brevity_penalty, 1.0);
  EXPECT_DOUBLE_EQ(b.length_ratio, 5.0 / 3);
  // 4 words against 5 and 6: ratio 0.8, bp = exp(1 - 1/0.8); every n-gram matches.
  const BleuScore s = sentence_bleu("a b c d", {"a b c d e f", "a b c d e"});
  EXPECT_DOUBLE_EQ(s.brevity_penalty, std::exp(1 - 1 / 0.8));
  EXPECT_DOUBLE_EQ(s.score, s.brevity_penalty);
}

TEST(Bleu, MatchesClipByTheLargestCountInAnyOneReference) {
  // "the" 7 times; one reference has it twice, another once: 2 matches of 7.
  const BleuStats s =
      bleu_stats({"the", "the", "the", "the", "the", "the", "the"}, {{"the", "cat", "the"}, {"the", "dog"}});
  EXPECT_EQ(s.matches[0], 2);
  EXPECT_EQ(s.possible[0], 7);
  EXPECT_EQ(s.possible[3], 4);
}

TEST(Bleu, CorpusSumsStatisticsBeforeTheMean) {
  const std::vector<std::string> preds = {"a b c d e", "the cat sat on the mat"};
  const std::vector<std::vector<std::string>> refs = {{"a b c d f"}, {"the cat is on the mat"}};
  const BleuScore b = bleu(preds, refs);
  EXPECT_DOUBLE_EQ(b.precisions[0], 9.0 / 11);  // (4 + 5) / (5 + 6)
  EXPECT_DOUBLE_EQ(b.precisions[3], 1.0 / 5);   // (1 + 0) / (2 + 3)
  EXPECT_NEAR(b.score, std::pow((9.0 / 11) * (6.0 / 9) * (3.0 / 7) * (1.0 / 5), 0.25), 1e-15);
}

TEST(Bleu, TokenizesWith13a) {
  // Both sides become the 4 tokens "Hello , world !".
  EXPECT_DOUBLE_EQ(sentence_bleu("Hello, world!", {"Hello , world !"}).score, 1.0);
}

TEST(Bleu, EmptySidesScoreZero) {
  const BleuScore empty_pred = sentence_bleu("", {"a b c d"});
  EXPECT_EQ(empty_pred.score, 0.0);
  EXPECT_EQ(empty_pred.brevity_penalty, 0.0);
  const BleuScore empty_ref = sentence_bleu("a b c d", {""});
  EXPECT_EQ(empty_ref.score, 0.0);
  EXPECT_EQ(empty_ref.length_ratio, 0.0);
}

}  // namespace
}  // namespace qualm::metrics
