#include "analysis/power_analysis.h"

#include <gtest/gtest.h>

#include "analysis/rankings.h"

namespace qualm::analysis {
namespace {

using nlohmann::json;

json row(const std::string& variant, int64_t n, double sd) {
  return {{"model", "m"}, {"variant", variant}, {"backend", "cpu"}, {"task_name", "qa"}, {"metric", "rouge_l"},
          {"n", n},       {"mean", 0.5},        {"std", sd},        {"ci_low", 0.4},     {"ci_high", 0.6}};
}

// statsmodels 0.13.5: TTestIndPower().solve_power(nobs1=10, alpha=.05, power=.8) = 1.324947368318951;
// solve_power(effect_size=0.05 / 0.2, alpha=.05, power=.8) = 252.12750122682306.
TEST(PowerAnalysis, MinimumDetectableDifferenceAndNeededN) {
  RunData run;
  run.detect_difference = 0.05;
  const json tasks = json::array({row("f32", 10, 0.2), row("q4", 12, 0.2), row("q8", 1, NAN)});
  const PowerAnalysis p = power_analysis(run, task_rows_of(tasks));
  ASSERT_EQ(p.rows.size(), 1u);
  const PowerRow& r = p.rows[0];
  EXPECT_EQ(r.configs, 2);
  EXPECT_EQ(r.n, 10);
  EXPECT_NEAR(r.sd.value(), 0.2, 1e-12);
  EXPECT_NEAR(r.min_detectable_difference.value(), 1.324947368318951 * 0.2, 1e-6);
  EXPECT_EQ(r.n_needed.value(), 253);
  EXPECT_NEAR(r.ci_half_width.value(), 0.1, 1e-12);
}

// A fixed difference of 0.05 means something on a 0-1 score, nothing on a perplexity or a count.
TEST(PowerAnalysis, OnlyMetricsOnABoundedScale) {
  RunData run;
  json ppl = row("f32", 10, 30.0), tokens = row("f32", 10, 100.0), coherence = row("f32", 10, 0.1);
  ppl["metric"] = "word_perplexity";
  tokens["metric"] = "n_tokens";
  coherence["metric"] = "coherence";  // -1 to 1
  const PowerAnalysis p = power_analysis(run, task_rows_of(json::array({ppl, tokens, coherence, row("f32", 10, 0.2)})));
  ASSERT_EQ(p.rows.size(), 2u);
  EXPECT_EQ(p.rows[0].metric, "coherence");
  EXPECT_EQ(p.rows[1].metric, "rouge_l");
  EXPECT_EQ(p.left_out, (std::vector<std::string>{"n_tokens", "word_perplexity"}));
}

// summary.json's power reads back as written (integers stay integers, n_needed a float, nulls
// null); any other shape reads without throwing.
TEST(PowerAnalysis, ReadBackAsWritten) {
  RunData run;
  json ppl = row("f32", 10, 30.0), flat = row("f32", 10, 0.0);
  ppl["metric"] = "word_perplexity";
  flat["task_name"] = "flat";  // sd 0: n_needed null
  flat["ci_low"] = nullptr;    // no CI: ci_half_width null
  const json written =
      power_analysis(run, task_rows_of(json::array({row("f32", 10, 0.2), row("q4", 12, 0.3), ppl, flat})));
  ASSERT_EQ(written["rows"].size(), 2u);
  EXPECT_TRUE(written["rows"][0]["n"].is_number_integer());
  EXPECT_TRUE(written["rows"][0]["n_needed"].is_number_float());
  EXPECT_TRUE(written["rows"][1]["n_needed"].is_null());
  EXPECT_TRUE(written["rows"][1]["ci_half_width"].is_null());
  EXPECT_EQ(json(written.get<PowerAnalysis>()), written);
  for (const json& odd :
       {json(), json(3), json::array(), json{{"rows", 3}, {"left_out", "x"}, {"alpha", "a"}},
        json{{"rows", {1, nullptr, {{"n", "10"}, {"sd", "x"}, {"configs", 1.5}}}}, {"left_out", {1, "m"}}}}) {
    EXPECT_NO_THROW(odd.get<PowerAnalysis>()) << odd;
  }
  EXPECT_EQ(json(json{{"left_out", {1, "m"}}}.get<PowerAnalysis>())["left_out"], json::array({"m"}));
}

}  // namespace
}  // namespace qualm::analysis
