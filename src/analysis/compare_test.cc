#include "analysis/compare.h"

#include <gtest/gtest.h>

#include "analysis/test_records.h"

namespace qualm::analysis {
namespace {

using nlohmann::json;

json rec(const std::string& variant, const std::string& task, int sample, json metrics, int rep = 0) {
  return {{"model", "m"},      {"variant", variant}, {"backend", "cpu"}, {"task_name", task},
          {"task_type", task}, {"sample_id", sample}, {"rep", rep},      {"error", nullptr},
          {"metrics", std::move(metrics)}};
}

const json kManifest = {{"plan",
                         {{"tasks",
                           {{{"name", "summarization"}, {"kind", "generate"}},
                            {{"name", "mmlu_a"}, {"kind", "multiple_choice"}, {"group", "mmlu"}},
                            {{"name", "mmlu_b"}, {"kind", "multiple_choice"}, {"group", "mmlu"}},
                            {{"name", "kld_suite"}, {"kind", "kld"}}}}}}};

// f32 vs Q4_0 of one model in one run. summarization: rouge_l 0.5 0.4 0.3 -> 0.4 0.4 0.2,
// bertscore 0.8 0.8 0.8 -> 0.8 0.6 0.7; sample 3 only in f32.
RunData two_variant_run() {
  std::vector<json> r = {
      rec("f32", "summarization", 0, {{"rouge_l", 0.5}, {"bertscore", 0.8}, {"bytes", 10}}),
      rec("f32", "summarization", 1, {{"rouge_l", 0.4}, {"bertscore", 0.8}}),
      rec("f32", "summarization", 2, {{"rouge_l", 0.3}, {"bertscore", 0.8}}),
      rec("f32", "summarization", 3, {{"rouge_l", 0.9}, {"bertscore", 0.9}}),
      rec("f32", "mmlu_a", 0, {{"acc", 1.0}}),
      rec("f32", "mmlu_b", 0, {{"acc", 0.0}}),
      rec("Q4_0", "summarization", 0, {{"rouge_l", 0.4}, {"bertscore", 0.8}, {"bytes", 12}}),
      rec("Q4_0", "summarization", 1, {{"rouge_l", 0.4}, {"bertscore", 0.6}}),
      rec("Q4_0", "summarization", 2, {{"rouge_l", 0.2}, {"bertscore", 0.7}}),
      rec("Q4_0", "mmlu_a", 0, {{"acc", 0.0}}),
      rec("Q4_0", "mmlu_b", 0, {{"acc", 0.0}}),
      rec("Q4_0", "kld_suite", 0, {{"kld_mean", 0.01}}),
  };
  return testing::run_of(kManifest, r);
}

const json* row(const json& rows, const std::string& task, const std::string& metric) {
  for (const json& r : rows) {
    if (r.value("task_name", "*") == task && r["metric"] == metric) return &r;
  }
  return nullptr;
}

TEST(CompareTest, DeltasOverPairedSamples) {
  const json q = quantization_impact(two_variant_run());
  ASSERT_EQ(q["pairs"].size(), 1u);
  const json& p = q["pairs"][0];
  EXPECT_EQ(p["baseline"]["variant"], "f32");
  EXPECT_EQ(p["candidate"]["variant"], "Q4_0");
  EXPECT_EQ(p["paired_by"], "first variant");
  EXPECT_EQ(p["samples"], json({{"paired", 5}, {"only_baseline", 1}, {"only_candidate", 0}}));

  const json* rouge = row(p["tasks"], "summarization", "rouge_l");
  ASSERT_NE(rouge, nullptr);
  EXPECT_EQ((*rouge)["n_paired"], 3);
  EXPECT_EQ((*rouge)["only_baseline"], 1);
  EXPECT_NEAR((*rouge)["baseline_mean"].get<double>(), 0.4, 1e-12);
  EXPECT_NEAR((*rouge)["candidate_mean"].get<double>(), 1.0 / 3, 1e-12);
  EXPECT_NEAR((*rouge)["delta"].get<double>(), -1.0 / 15, 1e-12);
  EXPECT_NEAR((*rouge)["delta_pct"].get<double>(), -100.0 / 6, 1e-9);
  EXPECT_LE((*rouge)["delta_ci_low"].get<double>(), (*rouge)["delta"].get<double>());
  EXPECT_GE((*rouge)["delta_ci_high"].get<double>(), (*rouge)["delta"].get<double>());
  EXPECT_TRUE((*rouge)["higher_is_better"].get<bool>());

  const json* bert = row(p["tasks"], "summarization", "bertscore");
  ASSERT_NE(bert, nullptr);
  EXPECT_NEAR((*bert)["delta_pct"].get<double>(), -12.5, 1e-9);

  // Grouped subtasks pool into their group; kld tasks and unranged counts are left out.
  const json* acc = row(p["tasks"], "mmlu", "acc");
  ASSERT_NE(acc, nullptr);
  EXPECT_EQ((*acc)["n_paired"], 2);
  EXPECT_NEAR((*acc)["delta_pct"].get<double>(), -100, 1e-9);
  EXPECT_EQ(row(p["tasks"], "mmlu_a", "acc"), nullptr);
  EXPECT_EQ(row(p["tasks"], "kld_suite", "kld_mean"), nullptr);
  EXPECT_EQ(row(p["tasks"], "summarization", "bytes"), nullptr);
}

TEST(CompareTest, KeyMetricsAndComposite) {
  const json p = json(quantization_impact(two_variant_run()))["pairs"][0];
  // Generation tasks pooled: only summarization here, so overall equals its rows.
  ASSERT_EQ(p["overall"].size(), 2u);
  EXPECT_EQ(row(p["overall"], "*", "acc"), nullptr);
  EXPECT_EQ(p["key_metrics"], json({"bertscore", "rouge_l"}));
  EXPECT_NEAR(p["key_metric_avg_delta_pct"].get<double>(), (-100.0 / 6 - 12.5) / 2, 1e-9);
  // Three paired samples: every Δ% is flagged, and so is their average.
  EXPECT_TRUE(p["key_metric_small_n"].get<bool>());
  EXPECT_TRUE((*row(p["overall"], "*", "rouge_l"))["small_n"].get<bool>());
  const json& c = p["composite"];
  EXPECT_NEAR(c["baseline"].get<double>(), (0.4 + 0.8) / 2, 1e-12);
  EXPECT_NEAR(c["candidate"].get<double>(), (1.0 / 3 + 0.7) / 2, 1e-12);
  EXPECT_NEAR(c["delta"].get<double>(), (1.0 / 3 + 0.7) / 2 - 0.6, 1e-12);
  EXPECT_EQ(c["n_paired"], 3);
  EXPECT_EQ(c["n_metrics"], 2);
  EXPECT_LE(c["delta_ci_low"].get<double>(), c["delta"].get<double>());
  EXPECT_GE(c["delta_ci_high"].get<double>(), c["delta"].get<double>());
}

TEST(CompareTest, ConstantShiftHasAPointInterval) {
  std::vector<json> r;
  for (int i = 0; i < 6; ++i) {
    r.push_back(rec("f32", "summarization", i, {{"rouge_l", 0.1 * i}}));
    r.push_back(rec("Q8_0", "summarization", i, {{"rouge_l", 0.1 * i + 0.05}}));
  }
  const json p = json(quantization_impact(testing::run_of(kManifest, r)))["pairs"][0];
  const json& rouge = p["overall"][0];
  EXPECT_NEAR(rouge["delta"].get<double>(), 0.05, 1e-12);
  EXPECT_NEAR(rouge["delta_ci_low"].get<double>(), 0.05, 1e-12);
  EXPECT_NEAR(rouge["delta_ci_high"].get<double>(), 0.05, 1e-12);
  EXPECT_NEAR(rouge["delta_pct"].get<double>(), 0.05 / 0.25 * 100, 1e-9);
}

TEST(CompareTest, OneVariantHasNoPairs) {
  const json q = quantization_impact(testing::run_of(kManifest, {rec("f32", "summarization", 0, {{"rouge_l", 0.5}})}));
  EXPECT_TRUE(q["pairs"].empty());
  EXPECT_EQ(q["note"], "no model has a second variant on the same backend");
}

TEST(CompareTest, PairLabelsInRounds) {
  const std::vector<ConfigKey> base = {{"a", "f16", "gpu"}, {"b", "f16", "cpu"}, {"c", "f16", "gpu"}, {"x", "f32", "cpu"},
                                   {"d", "f16", "cpu"}, {"d", "f32", "cpu"}};
  const std::vector<ConfigKey> cand = {{"a", "f16", "gpu"}, {"b", "Q4_0", "cpu"}, {"c", "Q4_K_M", "ollama"},
                                   {"y", "Q8_0", "cpu"}, {"d", "Q4_0", "cpu"}};
  const Pairing p = pair_labels(base, cand);
  ASSERT_EQ(p.pairs.size(), 3u);
  EXPECT_EQ(p.pairs[0].paired_by, "label");
  EXPECT_EQ(p.pairs[1].paired_by, "model+backend");
  EXPECT_EQ(p.pairs[1].baseline, (ConfigKey{"b", "f16", "cpu"}));
  EXPECT_EQ(p.pairs[2].paired_by, "model");
  EXPECT_EQ(p.pairs[2].baseline, (ConfigKey{"c", "f16", "gpu"}));
  // d has two baseline variants on cpu: ambiguous, so it stays unpaired; so do x and y, as
  // more than one label is left on each side.
  EXPECT_EQ(p.only_candidate, (std::vector<ConfigKey>{{"y", "Q8_0", "cpu"}, {"d", "Q4_0", "cpu"}}));
  EXPECT_EQ(p.only_baseline, (std::vector<ConfigKey>{{"x", "f32", "cpu"}, {"d", "f16", "cpu"}, {"d", "f32", "cpu"}}));

  const Pairing last = pair_labels({{"x", "f32", "cpu"}}, {{"y", "Q8_0", "gpu"}});
  ASSERT_EQ(last.pairs.size(), 1u);
  EXPECT_EQ(last.pairs[0].paired_by, "only label");
}

TEST(CompareTest, CompareRunsPairsDifferentVariants) {
  std::vector<json> b, c;
  for (int i = 0; i < 4; ++i) {
    b.push_back(rec("f32", "summarization", i, {{"rouge_l", 0.5}, {"coherence", 0.8}}));
    c.push_back(rec("Q4_0", "summarization", i, {{"rouge_l", 0.4}, {"coherence", 0.6}}));
  }
  c.push_back(rec("Q4_0", "summarization", 9, {{"rouge_l", 0.4}}));
  RunData base = testing::run_of(kManifest, b), cand = testing::run_of(kManifest, c);
  const json out = compare_runs(base, cand);
  ASSERT_EQ(out["pairs"].size(), 1u);
  const json& p = out["pairs"][0];
  EXPECT_EQ(p["paired_by"], "model+backend");
  EXPECT_EQ(p["samples"]["only_candidate"], 1);
  EXPECT_NEAR(p["key_metric_avg_delta_pct"].get<double>(), (-20.0 - 25.0) / 2, 1e-9);
  EXPECT_TRUE(out["unpaired"]["baseline"].empty());
  EXPECT_TRUE(out["unpaired"]["candidate"].empty());
}

// summary.json's quantization_impact read back into the typed section the report renders: what
// to_json wrote comes back whole, and any other shape reads as defaults instead of throwing.
TEST(QuantizationImpact, ReadBackAsWritten) {
  const json written = quantization_impact(two_variant_run());
  ASSERT_FALSE(written["pairs"][0]["tasks"].empty());
  ASSERT_FALSE(written["pairs"][0]["overall"].empty());
  EXPECT_EQ(json(written.get<QuantizationImpact>()), written);
  for (const json& odd : {json(), json::array({1}), json{{"pairs", 3}}, json{{"pairs", {json{{"tasks", {4, "x"}}}}}},
                          json{{"pairs", {json{{"composite", 1}, {"samples", {{"paired", "7"}}}}}}}}) {
    EXPECT_NO_THROW(odd.get<QuantizationImpact>()) << odd;
  }
  const auto row = json{{"pairs", {json{{"tasks", {json{{"metric", "acc"}, {"delta_ci_low", -0.1}}}}}}}}
                       .get<QuantizationImpact>()
                       .pairs[0]
                       .tasks[0];
  EXPECT_EQ(row.metric, "acc");
  EXPECT_EQ(row.delta_ci_low, -0.1);
  EXPECT_FALSE(row.delta_ci_high.has_value());
  EXPECT_FALSE(row.task_name.has_value());
}

}  // namespace
}  // namespace qualm::analysis
