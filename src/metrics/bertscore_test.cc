#include "metrics/bertscore.h"

#include <gtest/gtest.h>

#include <cmath>

namespace qualm::metrics {
namespace {

const double kHalfRoot2 = std::sqrt(0.5);

// Candidate (1,0), (0,1); reference (1,0), (1,1) -> (1,1)/sqrt2, (0,-2) -> (0,-1).
// Cosines: c1: 1, 0.7071, 0;  c2: 0, 0.7071, -1.
const TokenEmbeddings kCandidate = {{1, 0}, {0, 1}};
const TokenEmbeddings kReference = {{1, 0}, {1, 1}, {0, -2}};

TEST(BertScore, GreedyMatchingOfNormalisedVectors) {
  const PrfScore s = bertscore(kCandidate, kReference);
  const double p = (1 + kHalfRoot2) / 2;      // best per candidate token: 1, 0.7071
  const double r = (1 + kHalfRoot2 + 0) / 3;  // best per reference token: 1, 0.7071, 0
  EXPECT_NEAR(s.precision, p, 1e-12);
  EXPECT_NEAR(s.recall, r, 1e-12);
  EXPECT_NEAR(s.f1, 2 * p * r / (p + r), 1e-12);
}

TEST(BertScore, ScaleOfAVectorDoesNotMatter) {
  const PrfScore a = bertscore({{3, 0}, {0, 0.5}}, {{10, 0}, {2, 2}, {0, -1}});
  const PrfScore b = bertscore(kCandidate, kReference);
  EXPECT_NEAR(a.f1, b.f1, 1e-12);
}

TEST(BertScore, IdfWeightsAverageTheBestMatches) {
  BertScoreOptions o;
  o.candidate_weights = {2, 1};
  o.reference_weights = {1, 1, 2};
  const PrfScore s = bertscore(kCandidate, kReference, o);
  EXPECT_NEAR(s.precision, (2 * 1 + 1 * kHalfRoot2) / 3, 1e-12);
  EXPECT_NEAR(s.recall, (1 + kHalfRoot2 + 2 * 0) / 4, 1e-12);
}

TEST(BertScore, BaselineRescalesEachPartWithItsOwnValue) {
  BertScoreOptions o;
  o.baseline = BertScoreBaseline{0.5, 0.4, 0.3};
  const PrfScore raw = bertscore(kCandidate, kReference);
  const PrfScore s = bertscore(kCandidate, kReference, o);
  EXPECT_NEAR(s.precision, (raw.precision - 0.5) / 0.5, 1e-12);
  EXPECT_NEAR(s.recall, (raw.recall - 0.4) / 0.6, 1e-12);
  EXPECT_NEAR(s.f1, (raw.f1 - 0.3) / 0.7, 1e-12);  // F1 of the raw P and R, then rescaled
}

TEST(BertScore, ZeroWeightTokensStillServeAsMatches) {
  // bert-score's [CLS]: weight 0, yet the candidate token may match it.
  BertScoreOptions o;
  o.reference_weights = {0, 1};
  const PrfScore s = bertscore({{1, 0}}, {{1, 0}, {0, 1}}, o);
  EXPECT_NEAR(s.precision, 1.0, 1e-12);
  EXPECT_NEAR(s.recall, 0.0, 1e-12);
  EXPECT_EQ(s.f1, 0.0);
}

TEST(BertScore, EmptySidesAndBadInput) {
  EXPECT_EQ(bertscore({}, kReference).f1, 0.0);
  BertScoreOptions o;
  o.baseline = BertScoreBaseline{0.5, 0.5, 0.5};
  EXPECT_NEAR(bertscore(kCandidate, {}, o).f1, -1.0, 1e-12);  // rescaling applies to 0 too
  EXPECT_THROW(bertscore({{1, 0, 0}}, kReference), std::invalid_argument);
  o.candidate_weights = {1};
  EXPECT_THROW(bertscore(kCandidate, kReference, o), std::invalid_argument);
}

TEST(BertScoreIdf, LogOfDocumentFrequency) {
  const IdfTable idf = bertscore_idf({{1, 2}, {2, 3, 3}});
  EXPECT_NEAR(idf(1), std::log(3.0 / 2), 1e-15);
  EXPECT_NEAR(idf(2), 0.0, 1e-15);
  EXPECT_NEAR(idf(3), std::log(3.0 / 2), 1e-15);  // counted once per document
  EXPECT_NEAR(idf(99), std::log(3.0), 1e-15);
}

}  // namespace
}  // namespace qualm::metrics
