#include "analysis/equivalence.h"

#include <gtest/gtest.h>

#include "analysis/test_records.h"

namespace qualm::analysis {
namespace {

using nlohmann::json;
using testing::record;

// Expected values from SciPy 1.10.1:
//   a = [0.1, 0.2, 0.3, 0.4]; b = [0.15, 0.2, 0.35, 0.5]
//   f_oneway(a, b) = (0.24, 0.6416021147243574); ttest_ind = (-0.4898979485566355, 0.641602114724358)
//   ttest_rel = (-2.4494897427831783, 0.09172111331157187); Cohen's d (pooled) = -0.3464101615137754
TEST(BackendEquivalence, MatchesScipyOnOneMetric) {
  const double a[] = {0.1, 0.2, 0.3, 0.4}, b[] = {0.15, 0.2, 0.35, 0.5};
  std::vector<json> recs;
  for (int i = 0; i < 4; ++i) {
    recs.push_back(record("f32", "cpu", "qa", i, {{"rouge_l", a[i]}}));
    recs.push_back(record("f32", "gpu", "qa", i, {{"rouge_l", b[i]}}));
  }
  recs.push_back(record("q4", "cpu", "qa", 0, {{"rouge_l", 0.9}}));  // q4 has no gpu: not a complete block
  RunData d = testing::run_of(json(), recs);
  d.tost_margin = 0.2;
  const json e = backend_equivalence(d);
  EXPECT_EQ(e["complete_blocks"], json::array({"m/f32"}));
  EXPECT_EQ(e["incomplete_blocks"], json::array({"m/q4"}));
  ASSERT_EQ(e["metrics"].size(), 1u);
  EXPECT_NEAR(e["metrics"][0]["anova"]["f"].get<double>(), 0.24, 1e-12);
  EXPECT_NEAR(e["metrics"][0]["anova"]["p"].get<double>(), 0.6416021147243574, 1e-12);
  ASSERT_EQ(e["pairs"].size(), 1u);
  const json& p = e["pairs"][0];
  EXPECT_NEAR(p["t"].get<double>(), -0.4898979485566355, 1e-12);
  EXPECT_NEAR(p["p"].get<double>(), 0.641602114724358, 1e-12);
  EXPECT_NEAR(p["p_holm"].get<double>(), 0.641602114724358, 1e-12);  // a family of one
  EXPECT_NEAR(p["cohens_d"].get<double>(), -0.3464101615137754, 1e-12);
  EXPECT_EQ(p["magnitude"], "small");
  EXPECT_EQ(p["paired"]["n"], 4);
  EXPECT_NEAR(p["paired"]["t"].get<double>(), -2.4494897427831783, 1e-12);
  EXPECT_NEAR(p["paired"]["p"].get<double>(), 0.09172111331157187, 1e-12);
  EXPECT_NEAR(p["paired"]["mean_diff"].get<double>(), -0.05, 1e-12);
  EXPECT_EQ(p["paired"]["identical"], 1);
  // Differences within +-0.2 with sd 0.0408: TOST rejects both one-sided nulls.
  EXPECT_TRUE(p["paired"]["equivalent"].get<bool>());
}

TEST(BackendEquivalence, McNemarAndDifferingAnswers) {
  std::vector<json> recs;
  // 5 items: cpu right on 0,1,2; gpu right on 0 and 3; answers differ on 1, 2, 3.
  const int cpu_right[] = {1, 1, 1, 0, 0}, gpu_right[] = {1, 0, 0, 1, 0};
  const auto pred = [](int acc) { return json{{"acc", acc}, {"acc_norm", 0}, {"acc_bytes", 0}, {"acc_token_mean", 0}}; };
  for (int i = 0; i < 5; ++i) {
    json rc = record("f32", "cpu", "arc", i, {{"acc", cpu_right[i]}}, "multiple_choice");
    json rg = record("f32", "gpu", "arc", i, {{"acc", gpu_right[i]}}, "multiple_choice");
    rc["pred"] = pred(cpu_right[i] ? 0 : 1);
    rg["pred"] = pred(gpu_right[i] ? 0 : (i == 4 ? 1 : 2));
    rc["gold"] = rg["gold"] = 0;
    recs.push_back(rc);
    recs.push_back(rg);
  }
  recs.push_back(record("f32", "cpu", "qa", 0, {{"rouge_l", 0.5}}));
  recs.push_back(record("f32", "gpu", "qa", 0, {{"rouge_l", 0.5}}));
  const json e = backend_equivalence(testing::run_of(json(), recs));
  ASSERT_EQ(e["accuracy"].size(), 1u);
  const json& a = e["accuracy"][0];
  EXPECT_EQ(a["a_only_correct"], 2);
  EXPECT_EQ(a["b_only_correct"], 1);
  EXPECT_NEAR(a["mcnemar_p"].get<double>(), 1.0, 1e-12);  // 2 * P(Bin(3, .5) <= 1) = 1
  EXPECT_EQ(a["differing_answers"], 3);
}

TEST(BackendEquivalence, OneBackendSaysSo) {
  const json e = backend_equivalence(testing::run_of(json(), {record("f32", "cpu", "qa", 0, {{"rouge_l", 0.5}})}));
  EXPECT_FALSE(e.contains("pairs"));
  EXPECT_EQ(e["note"], "one backend: nothing to compare");
}

}  // namespace
}  // namespace qualm::analysis
