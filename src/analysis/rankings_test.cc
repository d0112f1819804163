#include "analysis/rankings.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "analysis/test_records.h"

namespace qualm::analysis {
namespace {

using nlohmann::json;
using testing::record;

// Two configurations, two metrics; values chosen so the hand computation is short.
RunData two_labels() {
  std::vector<json> r = {
      record("f32", "cpu", "qa", 0, {{"rouge_l", 0.2}, {"repetition", 1.0}}),
      record("f32", "cpu", "qa", 1, {{"rouge_l", 0.4}, {"repetition", 0.8}}),
      record("q4", "cpu", "qa", 0, {{"rouge_l", 0.1}, {"repetition", 1.0}}),
      record("q4", "cpu", "qa", 1, {{"rouge_l", 0.1}}),  // repetition missing
      record("q4", "cpu", "arc", 0, {{"acc", 1.0}}, "multiple_choice"),  // outside the composite
  };
  return testing::run_of(json(), r);
}

TEST(Composite, MeanOfMetricMeansWithCiAndRanks) {
  const json c = composite(two_labels());
  ASSERT_EQ(c.size(), 2u);
  // f32: rouge_l 0.3, repetition 0.9 -> 0.6; q4: rouge_l 0.1, repetition 1.0 -> 0.55.
  EXPECT_EQ(c[0]["variant"], "f32");
  EXPECT_NEAR(c[0]["composite"].get<double>(), 0.6, 1e-12);
  EXPECT_NEAR(c[1]["composite"].get<double>(), 0.55, 1e-12);
  EXPECT_EQ(c[0]["rank"], 1);
  EXPECT_EQ(c[1]["n_samples"], 2);
  // Per-metric ranks: rouge_l f32 1, q4 2; repetition q4 1, f32 2 -> both mean 1.5, tied.
  EXPECT_DOUBLE_EQ(c[0]["mean_metric_rank"].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(c[1]["mean_metric_rank"].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(c[0]["rank_by_metrics"].get<double>(), 1.5);
  // The bootstrap CI holds the composite of every resample: within the metric ranges seen.
  EXPECT_LE(c[0]["ci_low"].get<double>(), 0.6);
  EXPECT_GE(c[0]["ci_high"].get<double>(), 0.6);
  EXPECT_GE(c[0]["ci_low"].get<double>(), 0.5);   // worst resample: both records = sample 0 -> (0.2 + 1.0) / 2
  EXPECT_LE(c[0]["ci_high"].get<double>(), 0.6 + 1e-12);  // best: (0.4 + 0.8) / 2 = 0.6 or mixes of 0.6
  // Same seed, same CI.
  EXPECT_EQ(json(composite(two_labels())), c);
}

TEST(Composite, OnlyOverTheMetricsEveryConfigurationHas) {
  // b lacks repetition (say its task set differs): the composite of both is rouge_l alone.
  std::vector<json> r = {record("a", "cpu", "qa", 0, {{"rouge_l", 0.2}, {"repetition", 0.9}}),
                         record("b", "cpu", "qa", 0, {{"rouge_l", 0.4}})};
  const json c = composite(testing::run_of(json(), r));
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0]["variant"], "b");
  EXPECT_NEAR(c[0]["composite"].get<double>(), 0.4, 1e-12);
  EXPECT_NEAR(c[1]["composite"].get<double>(), 0.2, 1e-12);  // not (0.2 + 0.9) / 2
  EXPECT_EQ(c[1]["composite_metrics"], json::array({"rouge_l"}));
  EXPECT_EQ(c[1]["metrics_left_out"], json::array({"repetition"}));
  EXPECT_FALSE(c[0].contains("metrics_left_out"));
  EXPECT_EQ(c[1]["n_metrics"], 1);
}

TEST(Composite, RanksTieWhereIntervalsOverlap) {
  // a: always 0.9 (CI [0.9, 0.9]); b: always 0.1; c: 0.1 and 0.9 (CI spans both).
  std::vector<json> r = {record("a", "cpu", "qa", 0, {{"rouge_l", 0.9}}), record("a", "cpu", "qa", 1, {{"rouge_l", 0.9}}),
                         record("b", "cpu", "qa", 0, {{"rouge_l", 0.1}}), record("b", "cpu", "qa", 1, {{"rouge_l", 0.1}}),
                         record("c", "cpu", "qa", 0, {{"rouge_l", 0.1}}), record("c", "cpu", "qa", 1, {{"rouge_l", 0.9}})};
  const json c = composite(testing::run_of(json(), r));
  std::map<std::string, json> by;
  for (const json& row : c) by[row["variant"]] = row;
  EXPECT_EQ(by["a"]["rank"], 1);
  EXPECT_EQ(by["c"]["rank"], 1);  // its CI reaches a's
  EXPECT_EQ(by["b"]["rank"], 2);  // a's CI lies wholly above b's; c's does not
  EXPECT_TRUE(by["a"]["tied"].get<bool>());
  EXPECT_TRUE(by["c"]["tied"].get<bool>());
  EXPECT_FALSE(by["b"]["tied"].get<bool>());
  EXPECT_EQ(by["a"]["rank_by_value"], 1);
  EXPECT_EQ(by["c"]["rank_by_value"], 2);
  EXPECT_EQ(by["b"]["rank_by_value"], 3);
}

// summary.json's composite reads back as written; any other shape reads without throwing.
TEST(Composite, ReadBackAsWritten) {
  const json written = composite(two_labels());
  EXPECT_EQ(json(written.get<std::vector<CompositeRow>>()), written);
  for (const json& odd : {json(), json(3), json{{"metrics", {{"rouge_l", "x"}}}, {"rank", "1"}, {"tied", 0}}}) {
    EXPECT_NO_THROW(odd.get<CompositeRow>()) << odd;
  }
}

TEST(Rankings, PerMetricAgreementAndByTask) {
  const RunData d = two_labels();
  const Rankings r = rankings(d, composite(d), aggregate_records(d.records, d.seed));
  const std::vector<MetricRankRow>& rouge = r.per_metric.at("rouge_l").rows;
  EXPECT_EQ(rouge[0].config.variant, "f32");
  EXPECT_EQ(rouge[0].rank, 1.0);
  ASSERT_EQ(r.agreement.size(), 1u);
  // Two configurations ranked in opposite orders: rho = tau = -1.
  EXPECT_DOUBLE_EQ(r.agreement[0].spearman.value(), -1.0);
  EXPECT_DOUBLE_EQ(r.agreement[0].kendall_tau.value(), -1.0);
  ASSERT_EQ(r.by_task.size(), 1u);  // qa only: arc is multiple choice
  EXPECT_EQ(r.by_task[0].best, "m/f32/cpu");
  EXPECT_EQ(r.by_variant[0].name, "f32");
}

TEST(Rankings, LowerIsBetterMetricsRankAscending) {
  // kld_mean aggregates weighted by each document's scored tokens (records/metric_aggregation.h).
  std::vector<json> recs = {record("a", "cpu", "t", 0, {{"kld_mean", 0.3}, {"n_tokens", 10}}),
                            record("b", "cpu", "t", 0, {{"kld_mean", 0.1}, {"n_tokens", 10}})};
  const RunData d = testing::run_of(json(), recs);
  const Rankings r = rankings(d, composite(d), aggregate_records(d.records, d.seed));
  EXPECT_EQ(r.per_metric.at("kld_mean").rows[0].config.variant, "b");
  EXPECT_FALSE(r.per_metric.at("kld_mean").higher_is_better);
}

// summary.json's rankings read back as written (per-metric ranks JSON floats, the others
// integers); any other shape reads without throwing.
TEST(Rankings, ReadBackAsWritten) {
  std::vector<json> recs = {record("f32", "cpu", "qa", 0, {{"rouge_l", 0.2}, {"repetition", 1.0}}),
                            record("f32", "gpu", "qa", 0, {{"rouge_l", 0.2}, {"repetition", 0.9}}),
                            record("q4", "cpu", "qa", 0, {{"rouge_l", 0.1}, {"repetition", 1.0}}),
                            record("q4", "cpu", "sum", 0, {{"rouge_l", 0.05}})};
  const RunData d = testing::run_of(json(), recs);
  const json written = rankings(d, composite(d), aggregate_records(d.records, d.seed));
  ASSERT_EQ(written["per_metric"].size(), 2u);
  EXPECT_TRUE(written["per_metric"]["rouge_l"]["rows"][0]["rank"].is_number_float());
  EXPECT_EQ(written["per_metric"]["rouge_l"]["rows"][0]["rank"], 1.5);  // f32 on both backends tie
  EXPECT_TRUE(written["by_backend"][0]["rank"].is_number_integer());
  EXPECT_EQ(written["by_backend"].size(), 2u);
  EXPECT_EQ(written["by_task"].size(), 2u);
  ASSERT_EQ(written["agreement"].size(), 1u);
  EXPECT_EQ(json(written.get<Rankings>()), written);
  const json odd_rows = {{"per_metric", {{"m", 3}, {"n", {{"rows", {1, {{"value", "x"}, {"rank", nullptr}}}}}}}},
                         {"agreement", {nullptr, {{"n", "2"}, {"spearman", "x"}}}},
                         {"by_variant", {1, {{"variant", 2}, {"rank", 1.5}}}},
                         {"by_task", {3, {{"rows", 5}}, {{"rows", {nullptr}}}}}};
  const json odd_members = {{"per_metric", {1, 2}}, {"agreement", 3}, {"by_model", "x"}, {"by_task", {{"x", 1}}}};
  for (const json& odd : {json(), json(3), json::array(), odd_members, odd_rows}) {
    EXPECT_NO_THROW(odd.get<Rankings>()) << odd;
  }
}

}  // namespace
}  // namespace qualm::analysis
