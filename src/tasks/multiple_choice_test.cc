#include "tasks/multiple_choice.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/utf8.h"

namespace qualm {
namespace {

LoglikelihoodResult result(std::vector<TokenId> sequence, std::vector<double> logprobs) {
  LoglikelihoodResult r;
  r.tokens.assign(sequence.end() - static_cast<std::ptrdiff_t>(logprobs.size()), sequence.end());
  r.sequence = std::move(sequence);
  r.logprobs = std::move(logprobs);
  return r;
}

TEST(MultipleChoice, RequestsFollowLmEvaluationHarness) {
  const auto r = mc_requests({"Question: 2+2?\nAnswer:", {"4", "5"}, 0});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].context, "Question: 2+2?\nAnswer:");
  EXPECT_EQ(r[0].continuation, " 4");
  EXPECT_EQ(r[1].continuation, " 5");
}

// Scores by hand: sums -2, -1.5, -2.7; per character -2/3, -1/2, -1.35. llama.cpp's mean
// comes from the shared-prefix requests: every sequence shares tokens 1 5 6, so only the last
// token of each is averaged.
TEST(MultipleChoice, ScoresByHand) {
  const McDoc doc{"ctx", {"a b", "ccc", "d\xC3\xA9"}, 1};
  const std::vector<LoglikelihoodResult> results = {
      result({1, 5, 6, 7}, {-1.0, -1.0}),
      result({1, 5, 6, 8}, {-0.5, -1.0}),
      result({1, 5, 6, 9}, {-0.2, -2.5}),
  };
  const std::vector<LoglikelihoodResult> shared = {
      result({1, 5, 6, 7}, {-1.0}),
      result({1, 5, 6, 8}, {-1.0}),
      result({1, 5, 6, 9}, {-2.5}),
  };
  const McDocScore s = score_mc_doc(doc, results, shared);
  EXPECT_DOUBLE_EQ(s.loglikelihood[0], -2.0);
  EXPECT_DOUBLE_EQ(s.loglikelihood[1], -1.5);
  EXPECT_DOUBLE_EQ(s.loglikelihood[2], -2.7);
  EXPECT_EQ(s.pred_acc, 1);
  EXPECT_EQ(s.pred_norm, 1);
  EXPECT_DOUBLE_EQ(s.token_mean[0], -1.0);
  EXPECT_DOUBLE_EQ(s.token_mean[1], -1.0);
  EXPECT_DOUBLE_EQ(s.token_mean[2], -2.5);
  EXPECT_EQ(s.pred_token_mean, 0);  // first of the tied maxima, as numpy.argmax
  EXPECT_FALSE(s.split_differs);
  EXPECT_TRUE(s.error.empty());
}

// Where the vocabulary merges across the context's end, llama.cpp's joint sequence differs
// from lm-eval's split (context tokens 1 5 6, then the continuation's): acc comes from the
// split, acc_token_mean from the joint sequence's tokens after the shared prefix (1 5).
TEST(MultipleChoice, TokenMeanFollowsTheJointTokenization) {
  const McDoc doc{"ctx", {"x", "y"}, 0};
  const std::vector<LoglikelihoodResult> results = {result({1, 5, 6, 7}, {-3.0}), result({1, 5, 6, 8}, {-1.0})};
  const std::vector<LoglikelihoodResult> shared = {result({1, 5, 9}, {-0.5}), result({1, 5, 10, 11}, {-1.0, -2.0})};
  const McDocScore s = score_mc_doc(doc, results, shared);
  EXPECT_EQ(s.pred_acc, 1);
  EXPECT_DOUBLE_EQ(s.token_mean[0], -0.5);
  EXPECT_DOUBLE_EQ(s.token_mean[1], -1.5);
  EXPECT_EQ(s.pred_token_mean, 0);
  EXPECT_TRUE(s.split_differs);
}

// lm-eval's multiple_inputs (winogrande): one context per choice, one shared continuation.
TEST(MultipleChoice, MultipleInputsShareTheContinuation) {
  McDoc doc{"", {"so Sarah", "so Maria"}, 1};
  doc.continuation = "got the cases.";
  const auto r = mc_requests(doc, " ", 3);
  ASSERT_EQ(r.size(), 4u);
  EXPECT_EQ(r[0].context, "so Sarah");
  EXPECT_EQ(r[1].context, "so Maria");
  EXPECT_EQ(r[1].continuation, " got the cases.");
  EXPECT_EQ(r[3].split, TokenSplit::kSharedPrefix);
  EXPECT_EQ(r[3].group, 3);
}

// llama-perplexity --winogrande's score, by hand. Choice 0's sentence is 1 5 6 7 | 30 31 32 33
// (context + option alone: 4 tokens), choice 1's 1 5 8 | 30 31 32 33; they share 1 5. Both
// tails after the shared prefix are longer than 3 tokens, so llama.cpp scores the tokens after
// each context, the last one left out: (-3 -4 -5)/3 = -4 and (-1 -1 -1)/3 = -1. lm-eval's sums
// (-18 and -23, the last token counted) decide the other way.
TEST(MultipleChoice, WinograndeTokenMeanByHand) {
  McDoc doc{"", {"a", "b"}, 0};
  doc.continuation = "c";
  const std::vector<LoglikelihoodResult> split = {result({1, 5, 6, 7, 30, 31, 32, 33}, {-3, -4, -5, -6}),
                                                  result({1, 5, 8, 30, 31, 32, 33}, {-1, -1, -1, -20})};
  const std::vector<LoglikelihoodResult> joint = {result({1, 5, 6, 7, 30, 31, 32, 33}, {-1, -2, -3, -4, -5, -6}),
                                                  result({1, 5, 8, 30, 31, 32, 33}, {-0.5, -1, -1, -1, -20})};
  const McDocScore s = score_mc_doc(doc, split, joint);
  EXPECT_DOUBLE_EQ(s.token_mean[0], -4.0);
  EXPECT_DOUBLE_EQ(s.token_mean[1], -1.0);
  EXPECT_EQ(s.pred_token_mean, 1);
  EXPECT_EQ(s.pred_acc, 0);
  EXPECT_FALSE(s.llama_quirk);

  // Tails of 3 tokens or fewer: scored after the shared prefix (1 5), still without the last
  // token: choice 0 averages -1 alone, choice 1 (-0.5 -1)/2; llama.cpp's FIXME case.
  const std::vector<LoglikelihoodResult> short_split = {result({1, 5, 6, 7}, {-2}), result({1, 5, 8, 9, 7}, {-1})};
  const std::vector<LoglikelihoodResult> short_joint = {result({1, 5, 6, 7}, {-1, -2}),
                                                        result({1, 5, 8, 9, 7}, {-0.5, -1, -1})};
  const McDocScore q = score_mc_doc(doc, short_split, short_joint);
  EXPECT_DOUBLE_EQ(q.token_mean[0], -1.0);
  EXPECT_DOUBLE_EQ(q.token_mean[1], -0.75);
  EXPECT_TRUE(q.llama_quirk);
}

// A choice that could not be scored fails its document, which the metrics leave out.
TEST(MultipleChoice, AFailedChoiceFailsItsDocumentAlone) {
  const McDoc doc{"ctx", {"x", "y"}, 0};
  std::vector<LoglikelihoodResult> results = {result({1, 7}, {-3.0}), result({1, 8}, {-1.0})};
  results[1].error = "the model's vocabulary cannot encode '{'";
  const McDocScore bad = score_mc_doc(doc, results);
  EXPECT_EQ(bad.error, "choice 1: the model's vocabulary cannot encode '{'");
  const std::vector<McDoc> docs = {doc, doc};
  std::vector<McDocScore> scores = {bad, score_mc_doc(doc, std::vector<LoglikelihoodResult>{result({1, 7}, {-1.0}), result({1, 8}, {-3.0})})};
  const McMetrics m = aggregate_mc(docs, scores);
  EXPECT_EQ(m.n, 1);
  EXPECT_DOUBLE_EQ(m.acc.value, 1.0);
}

// "éé" is 2 characters but 4 bytes: acc_norm and acc_bytes disagree.
TEST(MultipleChoice, CharactersAndBytesDiffer) {
  const McDoc doc{"ctx", {"\xC3\xA9\xC3\xA9", "abc"}, 0};
  const std::vector<LoglikelihoodResult> results = {result({1, 2}, {-2.2}), result({1, 3}, {-3.0})};
  const McDocScore s = score_mc_doc(doc, results);
  EXPECT_EQ(utf8_length(doc.choices[0]), 2u);
  EXPECT_EQ(s.pred_norm, 1);   // -1.1 vs -1.0
  EXPECT_EQ(s.pred_bytes, 0);  // -0.55 vs -1.0
}

TEST(MultipleChoice, AggregateWithSampleStandardError) {
  const std::vector<McDoc> docs = {{"", {"a", "b"}, 0}, {"", {"a", "b"}, 1}, {"", {"a", "b"}, 1}};
  std::vector<McDocScore> scores(3);
  for (auto& s : scores) s.pred_acc = s.pred_norm = s.pred_bytes = s.pred_token_mean = 1;
  const McMetrics m = aggregate_mc(docs, scores);
  EXPECT_EQ(m.n, 3);
  EXPECT_NEAR(m.acc.value, 2.0 / 3.0, 1e-12);
  // sample sd of (0, 1, 1) is sqrt(1/3); divided by sqrt(3) gives 1/3
  EXPECT_NEAR(m.acc.stderr_, 1.0 / 3.0, 1e-12);
}

}  // namespace
}  // namespace qualm
