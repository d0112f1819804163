#include "metrics/registry.h"

#include <gtest/gtest.h>

#include <set>

namespace qualm::metrics {
namespace {

TEST(TextMetrics, OneEntryPerSpecName) {
  std::set<std::string> names;
  for (const TextMetric& m : text_metrics()) {
    EXPECT_TRUE(names.insert(std::string(m.name)).second) << m.name;
    EXPECT_LT(m.min, m.max);
  }
  for (const char* n : {"rouge_l", "rouge_lsum", "bleu", "sacrebleu", "chrf", "exact_match", "output_length",
                        "repetition", "bertscore", "coherence"}) {
    EXPECT_NE(find_text_metric(n), nullptr) << n;
  }
  EXPECT_EQ(find_text_metric("rouge"), nullptr);
  EXPECT_EQ(find_text_metric("bleu")->aggregation, Aggregation::kCorpus);
  EXPECT_EQ(find_text_metric("rouge_l")->aggregation, Aggregation::kMean);
  EXPECT_EQ(find_text_metric("chrf")->display_scale, 100);
  EXPECT_EQ(find_text_metric("bertscore")->score, nullptr);  // needs an embedding model
  EXPECT_FALSE(find_text_metric("repetition")->needs_references);
}

TEST(TextMetrics, RougeTakesTheBestReferenceAndMeans) {
  const std::vector<std::string> preds = {"the cat", "a dog"};
  const std::vector<std::vector<std::string>> refs = {{"a cow", "the cat"}, {"a dog barks", "x"}};
  const MetricReport r = find_text_metric("rouge_l")->score({preds, refs, {}});
  ASSERT_EQ(r.per_sample.size(), 2u);
  EXPECT_DOUBLE_EQ(r.per_sample[0], 1.0);
  EXPECT_DOUBLE_EQ(r.per_sample[1], 0.8);  // P 1, R 2/3
  EXPECT_DOUBLE_EQ(r.score, 0.9);
  ASSERT_TRUE(r.prf.has_value());
  EXPECT_DOUBLE_EQ(r.prf->recall, (1 + 2.0 / 3) / 2);
}

TEST(TextMetrics, CorpusBleuAndSentenceScores) {
  const std::vector<std::string> preds = {"a b c d e", "the cat sat on the mat"};
  const std::vector<std::vector<std::string>> refs = {{"a b c d f"}, {"the cat is on the mat"}};
  const MetricReport r = find_text_metric("bleu")->score({preds, refs, {}});
  ASSERT_TRUE(r.bleu.has_value());
  EXPECT_DOUBLE_EQ(r.score, bleu(preds, refs).score);
  EXPECT_DOUBLE_EQ(r.per_sample[1], 0.0);
  EXPECT_GT(r.per_sample[0], 0.6);
}

TEST(TextMetrics, OptionsReachTheMetrics) {
  const std::vector<std::string> preds = {"Paris."};
  const std::vector<std::vector<std::string>> refs = {{"paris"}};
  EXPECT_EQ(find_text_metric("exact_match")->score({preds, refs, {}}).score, 0.0);
  EXPECT_EQ(find_text_metric("exact_match")->score({preds, refs, {.ignore_punctuation = true}}).score, 1.0);
  const std::vector<std::string> runs = {"running"};
  const std::vector<std::vector<std::string>> run = {{"runs"}};
  EXPECT_EQ(find_text_metric("rouge_l")->score({runs, run, {.use_stemmer = true}}).score, 1.0);
  const std::vector<std::vector<std::string>> none(1);
  EXPECT_DOUBLE_EQ(find_text_metric("repetition")->score({{"a b c d a b c d"}, none, {}}).score, 0.8);
}

}  // namespace
}  // namespace qualm::metrics
