#include "report/section_verdict.h"

#include <gtest/gtest.h>

#include <string>

#include "report/doc.h"

namespace qualm::report {
namespace {

using nlohmann::json;

json delta(const std::string& task, const std::string& metric, double d, double lo, double hi, int n = 50) {
  return {{"task_name", task},   {"metric", metric},     {"delta", d},    {"delta_ci_low", lo},
          {"delta_ci_high", hi}, {"delta_pct", 100 * d}, {"n_paired", n}, {"small_n", n < 20}};
}

json config(const std::string& variant) { return {{"model", "m"}, {"variant", variant}, {"backend", "cpu"}}; }

// A Q4_0 against its F16, by hand: one metric inside the ±0.05 margin, one worse, one whose CI
// crosses the margin, one better, a perplexity (judged by the harm thresholds, not here).
json summary() {
  const json tasks =
      json::array({delta("qa", "rouge_l", 0.01, -0.02, 0.03), delta("qa", "exact_match", -0.10, -0.15, -0.06),
                   delta("arc", "acc", 0.0, -0.2, 0.2, 10), delta("sum", "bertscore", 0.08, 0.06, 0.10),
                   delta("wiki", "word_perplexity", 3.0, 2.0, 4.0)});
  json harm_fail = config("Q4_0");
  harm_fail.update({{"name", "ppl_delta_pct"}, {"value", 10.52}, {"limit", 5.0}, {"op", "|x| <="}, {"status", "FAIL"}});
  json harm_pass = config("Q4_0");
  harm_pass.update({{"name", "same_top"}, {"value", 0.95}, {"limit", 0.9}, {"op", ">="}, {"status", "PASS"}});
  json error = config("Q4_0");
  error.update({{"task_name", "qa"}, {"sample_id", 3}, {"error", "x"}});
  return {
      {"quantization_impact",
       {{"pairs", json::array({{{"baseline", config("F16")}, {"candidate", config("Q4_0")}, {"tasks", tasks}}})}}},
      {"backend_equivalence", {{"tost_margin", 0.05}}},
      {"quantization_harm", {{"thresholds", json::array({harm_fail, harm_pass})}}},
      {"disagreements",
       {{"pairs",
         json::array(
             {{{"a", config("F16")},
               {"b", config("Q4_0")},
               {"multiple_choice",
                {{"compared", 40}, {"differing", 13}, {"only_a_right", 9}, {"only_b_right", 2}, {"mcnemar_p", 0.0654}}},
               {"generate", {{"compared", 12}, {"differing", 5}, {"with_first_token", 4}, {"near_ties", 3}}}}})}}},
      {"errors", json::array({error})}};
}

TEST(MarkdownVerdict, SentencesPerCandidate) {
  Doc doc;
  add_verdict_section(doc, summary().get<analysis::Summary>());
  const std::string md = to_markdown(doc);
  EXPECT_NE(md.find("### m/Q4_0/cpu vs m/F16/cpu"), std::string::npos) << md;
  EXPECT_NE(md.find("- **Worse**: equivalent on 1 of 4 task metrics, worse on 1, better on 1, inconclusive on 1."),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("- Worse: exact_match@qa −0.100 [−0.150, −0.060] (−10.0 %)."), std::string::npos) << md;
  EXPECT_NE(md.find("- Better: bertscore@sum +0.080 [+0.060, +0.100] (+8.0 %)."), std::string::npos) << md;
  EXPECT_NE(md.find("- Inconclusive (CI wider than ±0.05): acc@arc +0.000 [−0.200, +0.200] (+0.0 %) n=10."),
            std::string::npos)
      << md;
  EXPECT_NE(
      md.find("- Quantization harm: **FAIL** ΔPPL +10.52 % (limit ±5.00 %); pass same top token 95.0 % (≥ 90.0 %)."),
      std::string::npos)
      << md;
  EXPECT_NE(md.find("- Answers: 13 of 40 multiple-choice answers flip; right only with the baseline 9, only with the "
                    "candidate 2 (McNemar p = 0.0654)."),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("- Greedy outputs: 5 of 12 differ; 3 of the 4 whose first differing token is recorded part at a "
                    "near tie"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("- **1 error record**: missing from every figure here"), std::string::npos) << md;
  EXPECT_EQ(md.find("word_perplexity"), std::string::npos) << "perplexity is the harm thresholds' to judge";
}

// A run without a perplexity or KLD task cannot judge the harm thresholds: the verdict says
// which figures are missing and what to add, never FAIL.
TEST(MarkdownVerdict, HarmNotMeasuredIsNotAFailure) {
  json s = summary();
  json missing = json::array();
  for (const auto& [name, why] : {std::pair{"ppl_delta_pct", "no loglikelihood_rolling task (add wikitext)"},
                                  {"max_category_kld", "no kld task (add k)"},
                                  {"same_top", "no kld task (add k)"}}) {
    json t = s["quantization_harm"]["thresholds"][0];
    t.update({{"name", name}, {"value", nullptr}, {"status", "MISSING"}, {"detail", why}});
    missing.push_back(t);
  }
  s["quantization_harm"]["thresholds"] = missing;
  Doc doc;
  add_verdict_section(doc, s.get<analysis::Summary>());
  const std::string md = to_markdown(doc);
  EXPECT_NE(md.find("- Quantization harm: not measured: ΔPPL (no loglikelihood_rolling task (add wikitext)); "
                    "worst-category KLD and same top token (no kld task (add k))."),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("FAIL"), std::string::npos) << md;
  s["quantization_harm"]["thresholds"].push_back(summary()["quantization_harm"]["thresholds"][0]);  // a failure too
  Doc both;
  add_verdict_section(both, s.get<analysis::Summary>());
  EXPECT_NE(to_markdown(both).find("- Quantization harm: **FAIL** ΔPPL +10.52 % (limit ±5.00 %); not measured: ΔPPL"),
            std::string::npos)
      << to_markdown(both);
}

TEST(MarkdownVerdict, HeadlineIsABoldSpan) {
  Doc doc;
  add_verdict_section(doc, summary().get<analysis::Summary>());
  const std::string html = HtmlRenderer().render(doc);
  EXPECT_NE(html.find("<li><strong>Worse</strong>: equivalent on 1 of 4 task metrics"), std::string::npos) << html;
  EXPECT_NE(html.find("<strong>1 error record</strong>"), std::string::npos) << html;
  EXPECT_EQ(html.find("**"), std::string::npos) << html;
  EXPECT_EQ(html.find('`'), std::string::npos) << html;
}

TEST(MarkdownVerdict, NoCandidateIsOneLine) {
  Doc doc;
  add_verdict_section(doc, json::object().get<analysis::Summary>());
  EXPECT_EQ(to_markdown(doc),
            "## Verdict\n\nOne configuration per model and backend: no candidate to hold against a baseline.\n\n");
}

}  // namespace
}  // namespace qualm::report
