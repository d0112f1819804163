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
  const json p = power_analysis(run, task_rows_of(tasks));
  ASSERT_EQ(p["rows"].size(), 1u);
  const json& r = p["rows"][0];
  EXPECT_EQ(r["configs"], 2);
  EXPECT_EQ(r["n"], 10);
  EXPECT_NEAR(r["sd"].get<double>(), 0.2, 1e-12);
  EXPECT_NEAR(r["min_detectable_difference"].get<double>(), 1.324947368318951 * 0.2, 1e-6);
  EXPECT_EQ(r["n_needed"].get<double>(), 253);
  EXPECT_NEAR(r["ci_half_width"].get<double>(), 0.1, 1e-12);
}

// A fixed difference of 0.05 means something on a 0-1 score, nothing on a perplexity or a count.
TEST(PowerAnalysis, OnlyMetricsOnABoundedScale) {
  RunData run;
  json ppl = row("f32", 10, 30.0), tokens = row("f32", 10, 100.0), coherence = row("f32", 10, 0.1);
  ppl["metric"] = "word_perplexity";
  tokens["metric"] = "n_tokens";
  coherence["metric"] = "coherence";  // -1 to 1
  const json p = power_analysis(run, task_rows_of(json::array({ppl, tokens, coherence, row("f32", 10, 0.2)})));
  ASSERT_EQ(p["rows"].size(), 2u);
  EXPECT_EQ(p["rows"][0]["metric"], "coherence");
  EXPECT_EQ(p["rows"][1]["metric"], "rouge_l");
  EXPECT_EQ(p["left_out"], json::array({"n_tokens", "word_perplexity"}));
}

}  // namespace
}  // namespace qualm::analysis
