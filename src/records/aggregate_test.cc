#include "records/aggregate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

#include "metrics/bleu.h"
#include "metrics/chrf.h"

#include "records/test_records.h"

namespace qualm {
namespace {

using nlohmann::json;
using test_records::typed_all;

json record(const std::string& model, const std::string& backend, const std::string& task, json metrics,
            json error = nullptr) {
  return {{"model", model},  {"variant", "f32"},    {"backend", backend},
          {"task_name", task}, {"metrics", metrics}, {"error", error}};
}

std::vector<json> sample_records() {
  return {
      record("m1", "cpu", "qa", {{"rouge", 0.5}, {"bleu", 10}}),
      record("m1", "cpu", "qa", {{"rouge", 0.7}, {"bleu", nullptr}}),
      record("m2", "cpu", "qa", {{"acc", true}}),
      record("m1", "cpu", "qa", {{"rouge", 100.0}, {"bleu", 100}}, "decode failed"),  // skipped
      record("m1", "cpu", "qa", {{"rouge", 0.9}, {"bleu", 20}}),
  };
}

TEST(AggregateRecords, HandComputedMeanAndStdInFirstSeenOrderWithSortedMetrics) {
  const std::vector<json> records = sample_records();
  const std::vector<AggregateRow> rows = aggregate_records(typed_all(records), 42);
  ASSERT_EQ(rows.size(), 3u);

  EXPECT_EQ(rows[0].config.model, "m1");
  EXPECT_EQ(rows[0].metric, "bleu");  // sorted before rouge; the null value is skipped
  EXPECT_EQ(rows[0].n, 2);
  EXPECT_DOUBLE_EQ(rows[0].mean, 15);
  EXPECT_DOUBLE_EQ(rows[0].std, std::sqrt(50.0));  // ((10-15)^2 + (20-15)^2) / (2-1)

  EXPECT_EQ(rows[1].metric, "rouge");  // the error record's 100 is left out
  EXPECT_EQ(rows[1].n, 3);
  EXPECT_NEAR(rows[1].mean, 0.7, 1e-15);
  EXPECT_NEAR(rows[1].std, 0.2, 1e-15);  // sqrt((0.04 + 0 + 0.04) / 2)
  EXPECT_LE(rows[1].ci_low, rows[1].mean);
  EXPECT_GE(rows[1].ci_high, rows[1].mean);
  EXPECT_GE(rows[1].ci_low, 0.5 - 1e-12);  // resampled means stay within the values
  EXPECT_LE(rows[1].ci_high, 0.9 + 1e-12);

  EXPECT_EQ(rows[2].config.model, "m2");
  EXPECT_EQ(rows[2].metric, "acc");
  EXPECT_EQ(rows[2].n, 1);
  EXPECT_EQ(rows[2].mean, 1);
  EXPECT_TRUE(std::isnan(rows[2].std));
  EXPECT_EQ(rows[2].ci_low, 1);
  EXPECT_EQ(rows[2].ci_high, 1);
}

TEST(AggregateRecords, ARowsCiDoesNotDependOnOtherRows) {
  // 40 distinct values per cell, so that the percentiles move with the seed.
  std::vector<json> all, m1_only;
  for (int i = 0; i < 40; ++i) {
    const double x = (i * 37 % 40) / 40.0;
    all.push_back(record("m2", "cpu", "qa", {{"acc", x * x}}));
    all.push_back(record("m1", "cpu", "qa", {{"acc", x}}));
    m1_only.push_back(all.back());
  }
  const std::vector<AggregateRow> a = aggregate_records(typed_all(all), 7);
  const std::vector<AggregateRow> b = aggregate_records(typed_all(m1_only), 7);
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[1].config.model, "m1");
  EXPECT_EQ(a[1].ci_low, b[0].ci_low);
  EXPECT_EQ(a[1].ci_high, b[0].ci_high);
  const std::vector<AggregateRow> other_seed = aggregate_records(typed_all(all), 8);
  EXPECT_TRUE(a[1].ci_low != other_seed[1].ci_low || a[1].ci_high != other_seed[1].ci_high);
}

TEST(WriteAggregateCsv, HeaderQuotingAndNumbers) {
  const std::vector<AggregateRow> rows = {
      {{"m,1", "q\"x", "cpu"}, "qa", "acc", 1, 1.0, NAN, 1.0, 1.0},
      {{"m2", "f32", "cpu"}, "line\nbreak", "bleu", 2, 15.0, std::sqrt(50.0), 10.0, 20.0},
      {{"m3", "f32", "cpu"}, "qa", "rouge", 3, 0.1, 0.2, 0.05, 1.0 / 3},
  };
  std::ostringstream out;
  write_aggregate_csv(out, rows);
  EXPECT_EQ(out.str(),
            "model,variant,backend,task_name,metric,n,mean,std,ci_low,ci_high,aggregation\n"
            "\"m,1\",\"q\"\"x\",cpu,qa,acc,1,1,,1,1,mean\n"
            "m2,f32,cpu,\"line\nbreak\",bleu,2,15,7.0710678118654755,10,20,mean\n"
            "m3,f32,cpu,qa,rouge,3,0.10000000000000001,0.20000000000000001,0.050000000000000003,"
            "0.33333333333333331,mean\n");
}

}  // namespace
}  // namespace qualm

namespace qualm {
namespace {

nlohmann::json generated(int id, const std::string& candidate, const std::string& reference) {
  const metrics::BleuScore sentence = metrics::sentence_bleu(candidate, {reference});
  return {{"model", "m"}, {"variant", "f32"}, {"backend", "cpu"}, {"task_name", "summarization"},
          {"sample_id", id},  {"candidate", candidate}, {"reference", reference},
          {"metrics", {{"bleu", sentence.score}, {"chrf", metrics::chrf({candidate}, {{reference}})}}},
          {"error", nullptr}};
}

// BLEU and chrF aggregate over their corpus, as HF evaluate and sacrebleu define them: the
// row's value is the corpus score of every pair, not the mean of the sentence scores.
TEST(AggregateRecords, CorpusMetricsAggregateAsACorpus) {
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"the cat sat on the mat", "the cat sat on the mat"},
      {"a dog ran in the park today", "the dog ran in the park"},
      {"it rained", "the sun was shining all day long"},
      {"birds sing in the morning light", "birds sing in the early morning"}};
  std::vector<nlohmann::json> records;
  std::vector<std::string> candidates;
  std::vector<std::vector<std::string>> references;
  for (size_t i = 0; i < pairs.size(); ++i) {
    records.push_back(generated(static_cast<int>(i), pairs[i].first, pairs[i].second));
    candidates.push_back(pairs[i].first);
    references.push_back({pairs[i].second});
  }
  const std::vector<AggregateRow> rows = aggregate_records(typed_all(records), 42);
  ASSERT_EQ(rows.size(), 2u);
  const AggregateRow& bleu = rows[0].metric == "bleu" ? rows[0] : rows[1];
  const AggregateRow& chrf = rows[0].metric == "chrf" ? rows[0] : rows[1];
  EXPECT_EQ(bleu.aggregation, "corpus");
  EXPECT_DOUBLE_EQ(bleu.mean, metrics::bleu(candidates, references).score);
  double sentence_mean = 0;
  for (const auto& r : records) sentence_mean += r["metrics"]["bleu"].get<double>() / 4;
  EXPECT_NE(bleu.mean, sentence_mean);  // the two definitions differ on these pairs
  EXPECT_EQ(chrf.aggregation, "corpus");
  EXPECT_DOUBLE_EQ(chrf.mean, metrics::chrf(candidates, references));
  EXPECT_LE(bleu.ci_low, bleu.mean);
  EXPECT_GE(bleu.ci_high, bleu.mean);
  EXPECT_EQ(bleu.n, 4);
}

// lm-eval's weighted perplexity: exp(-sum loglikelihood / sum words), not a mean of documents'.
TEST(AggregateRecords, PerplexitiesWeightByWords) {
  const auto doc = [](int id, double ll, int words) {
    return nlohmann::json{{"model", "m"}, {"variant", "f32"}, {"backend", "cpu"}, {"task_name", "wikitext"},
                          {"sample_id", id},
                          {"metrics", {{"loglikelihood", ll}, {"n_tokens", 2 * words}, {"words", words}, {"bytes", 5 * words},
                                       {"word_perplexity", std::exp(-ll / words)}}},
                          {"error", nullptr}};
  };
  const std::vector<nlohmann::json> records = {doc(0, -10, 5), doc(1, -60, 20)};
  const std::vector<AggregateRow> rows = aggregate_records(typed_all(records), 42);
  const auto ppl = std::find_if(rows.begin(), rows.end(), [](const AggregateRow& r) { return r.metric == "word_perplexity"; });
  ASSERT_NE(ppl, rows.end());
  EXPECT_EQ(ppl->aggregation, "weighted");
  EXPECT_DOUBLE_EQ(ppl->mean, std::exp(70.0 / 25.0));
}

}  // namespace
}  // namespace qualm
