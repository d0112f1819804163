#include "metrics/sacrebleu.h"

#include <gtest/gtest.h>

#include <cmath>

namespace qualm::metrics {
namespace {

TEST(SacreBleu, ExpSmoothingHalvesEachMissingOrder) {
  // Matches 5/6, 3/5, 1/4, 0/3: the 4-gram precision becomes 1 / (2 * 3).
  const BleuScore b = sacrebleu({"the cat sat on the mat"}, {{"the cat is on the mat"}});
  EXPECT_DOUBLE_EQ(b.precisions[3], 1.0 / 6);
  EXPECT_NEAR(b.score, std::pow((5.0 / 6) * (3.0 / 5) * (1.0 / 4) * (1.0 / 6), 0.25), 1e-15);
  // "a x b y" against "a b": 2/4 unigrams, then no match for three orders: 1/(2*3), 1/(4*2), 1/(8*1).
  const BleuScore s = sacrebleu({"a x b y"}, {{"a b"}});
  EXPECT_DOUBLE_EQ(s.precisions[1], 1.0 / 6);
  EXPECT_DOUBLE_EQ(s.precisions[2], 1.0 / 8);
  EXPECT_DOUBLE_EQ(s.precisions[3], 1.0 / 8);
  EXPECT_NEAR(s.score, std::pow(0.5 / 6 / 8 / 8, 0.25), 1e-15);
}

TEST(SacreBleu, ClosestReferenceLengthTiesToTheShorter) {
  // 5 words; references of 3 and 6 words: 6 is closest, so bp = exp(1 - 6/5).
  const BleuScore b = sacrebleu({"a b c d e"}, {{"a b c", "a b c d e f"}});
  EXPECT_EQ(b.reference_length, 6);
  EXPECT_DOUBLE_EQ(b.brevity_penalty, std::exp(1 - 6.0 / 5));
  EXPECT_DOUBLE_EQ(b.score, b.brevity_penalty);  // every n-gram is in the longer reference
  // 5 words; references of 4 and 6: a tie, the shorter wins, no penalty.
  EXPECT_EQ(sacrebleu_stats("a b c d e", {"a b c d x y", "a b c d"}).reference_length, 4);
}

TEST(SacreBleu, NoMatchAtAllOrTooShortScoresZero) {
  const BleuScore none = sacrebleu({"x y z w"}, {{"a b c d"}});
  EXPECT_EQ(none.score, 0.0);
  EXPECT_EQ(none.precisions[0], 0.0);
  // Three words have no 4-gram: sacrebleu stops at that order and the score is 0.
  const BleuScore short_hyp = sacrebleu({"a b c"}, {{"a b c"}});
  EXPECT_DOUBLE_EQ(short_hyp.precisions[2], 1.0);
  EXPECT_EQ(short_hyp.precisions[3], 0.0);
  EXPECT_EQ(short_hyp.score, 0.0);
}

TEST(SacreBleu, CorpusSumsStatistics) {
  // "a b c" adds 3/2/1/0 to the totals; the corpus still has 4-grams from the first pair.
  const BleuScore b = sacrebleu({"a b c d e", "a b c"}, {{"a b c d f"}, {"a b c"}});
  EXPECT_DOUBLE_EQ(b.precisions[0], 7.0 / 8);
  EXPECT_DOUBLE_EQ(b.precisions[1], 5.0 / 6);
  EXPECT_DOUBLE_EQ(b.precisions[2], 3.0 / 4);
  EXPECT_DOUBLE_EQ(b.precisions[3], 1.0 / 2);
  EXPECT_EQ(b.translation_length, 8);
  EXPECT_EQ(b.reference_length, 8);
}

TEST(SacreBleu, RightStripsBeforeTokenizing) {
  // sacrebleu strips the final "\n" first, so "d-" stays whole and matches; HF's bleu sees
  // "-\n", joins the line break and gets "d".
  EXPECT_EQ(sacrebleu_stats("a b c d-\n", {"a b c d-"}).matches[0], 4);
  EXPECT_EQ(bleu_text_stats("a b c d-\n", {"a b c d-"}).matches[0], 3);
}

}  // namespace
}  // namespace qualm::metrics
