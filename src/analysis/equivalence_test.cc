#include "analysis/equivalence.h"

#include <gtest/gtest.h>

#include "analysis/test_records.h"
#include "report/sections.h"

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

// f32 on cpu, gpu and vk (q4 on cpu alone): rouge_l on 4 prompts; chrf with one gpu value (no ANOVA); bleu
// on prompts cpu and vk share but gpu lacks (paired n 0); arc with per-choice log-likelihoods but on vk.
std::vector<json> three_backends() {
  const double rouge[][4] = {{0.1, 0.2, 0.3, 0.4}, {0.15, 0.2, 0.35, 0.5}, {0.1, 0.25, 0.3, 0.45}};
  const int right[][5] = {{1, 1, 1, 0, 0}, {1, 0, 0, 1, 0}, {1, 1, 0, 0, 1}};
  const char* backends[] = {"cpu", "gpu", "vk"};
  std::vector<json> recs;
  for (int b = 0; b < 3; ++b) {
    for (int i = 0; i < 4; ++i) recs.push_back(record("f32", backends[b], "qa", i, {{"rouge_l", rouge[b][i]}}));
    for (int i = 0; i < (b == 1 ? 1 : 2); ++i)
      recs.push_back(record("f32", backends[b], "chat", i, {{"chrf", 0.5 + i}}));
    for (int i = 0; i < 2; ++i)
      recs.push_back(record("f32", backends[b], "mt", b == 1 ? i + 2 : i, {{"bleu", 0.3 * i}}));
    for (int i = 0; i < 5; ++i) {
      json r = record("f32", backends[b], "arc", i, {{"acc", right[b][i]}}, "multiple_choice");
      const int pred = right[b][i] ? 0 : 1 + b % 2;
      r["pred"] = {{"acc", pred}, {"acc_norm", pred}, {"acc_bytes", pred}, {"acc_token_mean", pred}};
      r["gold"] = 0;
      if (b < 2) {
        r["choices"] = json::array();
        for (int c = 0; c < 3; ++c) {
          r["choices"].push_back({{"text", "c"},
                                  {"loglikelihood", -1.0 - c - 0.004 * b * i},
                                  {"n_tokens", 2},
                                  {"is_greedy", c == 0},
                                  {"token_mean", -0.5}});
        }
      }
      recs.push_back(r);
    }
  }
  recs.push_back(record("q4", "cpu", "qa", 0, {{"rouge_l", 0.9}}));
  return recs;
}

// The engines' packing noise: cpu's and gpu's measured, vk's not.
const json kNoiseFloors = {
    {"noise_floor", {{{"backend", "cpu"}, {"max_abs_dll", 0.01}}, {{"backend", "gpu"}, {"max_abs_dll", 0.02}}}}};

TEST(BackendEquivalence, ReadBackAsWritten) {
  const json written = backend_equivalence(testing::run_of(kNoiseFloors, three_backends()));
  ASSERT_EQ(written["metrics"].size(), 3u);  // bleu, chrf, rouge_l
  EXPECT_TRUE(written["metrics"][1]["anova"].is_null());
  EXPECT_TRUE(written["metrics"][1].contains("note"));
  EXPECT_TRUE(written["metrics"][2]["anova"]["df_between"].is_number_float());  // 2.0 stays a float
  EXPECT_TRUE(written["metrics"][2]["n"]["cpu"].is_number_integer());
  ASSERT_EQ(written["pairs"].size(), 7u);  // 3 bleu, chrf cpu vs vk, 3 rouge_l
  EXPECT_EQ(written["pairs"][0]["paired"], json({{"n", 0}, {"note", "fewer than two prompts on both backends"}}));
  EXPECT_TRUE(written["pairs"][4]["paired"]["mde"].is_number());
  ASSERT_EQ(written["accuracy"].size(), 3u);
  EXPECT_EQ(written["accuracy"][0]["loglikelihood_delta"]["within_noise"], true);  // 0.016 <= 0.02
  EXPECT_TRUE(written["accuracy"][1]["loglikelihood_delta"].is_null());            // vk has no log-likelihoods
  EXPECT_EQ(json(written.get<BackendEquivalence>()), written);
  EXPECT_EQ(json(json::parse(written.dump()).get<BackendEquivalence>()).dump(), written.dump());  // through the text
  EXPECT_EQ(written.get<BackendEquivalence>().tost_margin, 0.05);
  // Not measured: noise_floor and within_noise null.
  const json unmeasured = backend_equivalence(testing::run_of(json(), three_backends()));
  EXPECT_TRUE(unmeasured["accuracy"][0]["loglikelihood_delta"]["within_noise"].is_null());
  EXPECT_EQ(json(unmeasured.get<BackendEquivalence>()), unmeasured);
  // Nothing compared: one backend, or no complete block. A missing section reads as the first.
  for (const std::vector<json>& recs :
       {std::vector<json>{},
        {record("f32", "cpu", "qa", 0, {{"rouge_l", 0.5}})},
        {record("f32", "cpu", "qa", 0, {{"rouge_l", 0.5}}), record("q4", "gpu", "qa", 0, {{"rouge_l", 0.5}})}}) {
    const json short_one = backend_equivalence(testing::run_of(json(), recs));
    EXPECT_FALSE(short_one.contains("pairs"));
    EXPECT_EQ(json(short_one.get<BackendEquivalence>()), short_one);
  }
  EXPECT_EQ(json(json().get<BackendEquivalence>()), json(backend_equivalence(testing::run_of(json(), {}))));
  // Any shape reads without throwing.
  for (const char* bad : {"null", "[]", "7", R"({"backends": 3, "metrics": {}, "tost_margin": "x"})",
                          R"({"backends": ["a", 1], "metrics": [1, {"n": [], "mean": {"a": "x"}, "anova": 3}],
                              "pairs": ["x", {"paired": 2, "p_holm": "x"}],
                              "accuracy": [{"loglikelihood_delta": {"within_noise": 1, "noise_floor": "x"}}]})"}) {
    BackendEquivalence e;
    EXPECT_NO_THROW(from_json(json::parse(bad), e)) << bad;
  }
}

TEST(BackendEquivalence, Markdown) {
  report::Doc doc;
  report::add_equivalence_section(doc, BackendEquivalence{});
  report::add_equivalence_section(doc, backend_equivalence(testing::run_of(kNoiseFloors, three_backends())));
  const std::string md = report::to_markdown(doc);
  EXPECT_NE(md.find("## Backend equivalence\n\none backend: nothing to compare.\n"), std::string::npos) << md;
  EXPECT_NE(md.find("Complete blocks (model/variant on every backend): m/f32 \n"), std::string::npos) << md;
  EXPECT_NE(md.find("| chrf | — | — | no | 1.0000 | 0.5000 | 1.0000 |"), std::string::npos) << md;
}

}  // namespace
}  // namespace qualm::analysis
