// Pareto frontier, scaling fit, task router and KLD summary over small hand-made runs, and
// their report.md sections.

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "analysis/kld_summary.h"
#include "analysis/pareto.h"
#include "analysis/router.h"
#include "analysis/scaling.h"
#include "analysis/test_records.h"
#include "report/section_cost.h"

namespace qualm::analysis {
namespace {

using nlohmann::json;

CompositeRow composite_row(const std::string& model, const std::string& backend, double composite) {
  CompositeRow row;
  row.config = {model, "f16", backend};
  row.composite = composite;
  row.ci_low = composite - 0.05;
  row.ci_high = composite + 0.05;
  return row;
}

json plan_manifest(json costs) { return {{"plan", {{"tasks", json::array()}, {"costs", std::move(costs)}}}}; }

RunData with_params(std::map<std::string, double> params) {
  RunData run = testing::run_of({}, {});
  run.params = std::move(params);
  return run;
}

json cost(const std::string& model, const std::string& backend, double usd) {
  return {{"model", model}, {"variant", "f16"}, {"backend", backend}, {"usd_per_million_tokens", usd}};
}

TEST(ParetoAnalysis, Tr124GpuRows) {
  const RunData run = testing::run_of(
      plan_manifest({cost("gpt2", "gpu", 0.023), cost("llama-1b", "gpu", 0.075), cost("phi-2", "gpu", 0.119),
                     cost("qwen-1.5b", "gpu", 0.129), cost("llama-3b", "gpu", 0.149)}),
      {});
  const std::vector<CompositeRow> rows = {
      composite_row("phi-2", "gpu", 0.635),    composite_row("qwen-1.5b", "gpu", 0.586),
      composite_row("llama-1b", "gpu", 0.563), composite_row("llama-3b", "gpu", 0.538),
      composite_row("gpt2", "gpu", 0.290),     composite_row("gpt2", "cpu", 0.297)};
  const ParetoFrontier p = pareto(run, rows);
  ASSERT_EQ(p.points.size(), 5u);
  EXPECT_EQ(p.points[0].config.model, "gpt2");  // cheapest first
  EXPECT_NEAR(p.points[0].quality_adjusted_cost.value(), 0.023 / 0.290, 1e-12);
  EXPECT_NEAR(p.points[1].quality_adjusted_cost.value(), 0.133, 5e-4);  // TR124: $0.133
  using Labels = std::vector<std::string>;
  EXPECT_EQ(p.frontier, (Labels{"gpt2/f16/gpu", "llama-1b/f16/gpu", "phi-2/f16/gpu"}));
  EXPECT_EQ(p.points[4].config.model, "llama-3b");
  EXPECT_EQ(p.points[4].dominated_by, (Labels{"phi-2/f16/gpu", "qwen-1.5b/f16/gpu", "llama-1b/f16/gpu"}));
  EXPECT_EQ(p.missing_cost, (Labels{"gpt2/f16/cpu"}));
  EXPECT_NE(p.note.find("usd_per_million_tokens / composite"), std::string::npos);
}

TEST(ParetoAnalysis, NoCostTable) {
  const json p = pareto(testing::run_of({}, {}), std::vector<CompositeRow>({composite_row("a", "cpu", 0.5)}));
  EXPECT_TRUE(p["points"].empty());
  EXPECT_FALSE(p.contains("frontier"));  // no frontier without a cost table
  EXPECT_FALSE(p.contains("missing_cost"));
  EXPECT_NE(p["note"].get<std::string>().find("costs.csv"), std::string::npos);
}

TEST(ParetoAnalysis, AnyBackendCostRowAndZeroQuality) {
  const RunData run = testing::run_of(plan_manifest({cost("a", "", 1.0)}), {});
  const json p =
      pareto(run, std::vector<CompositeRow>({composite_row("a", "cpu", 0.0), composite_row("a", "gpu", 0.4)}));
  ASSERT_EQ(p["points"].size(), 2u);
  EXPECT_TRUE(p["points"][1]["quality_adjusted_cost"].is_null());  // quality 0
  EXPECT_EQ(p["points"][1]["dominated_by"], json({"a/f16/gpu"}));
}

TEST(ParetoFrontier, ReadBackAsWritten) {
  const RunData run = testing::run_of(plan_manifest({cost("a", "cpu", 2.0), cost("b", "", 1.0)}), {});
  CompositeRow no_ci = composite_row("b", "gpu", 0.4);
  no_ci.ci_low = no_ci.ci_high = std::nullopt;
  const json written =
      pareto(run, std::vector<CompositeRow>{composite_row("a", "cpu", 0.5), composite_row("b", "cpu", 0.0), no_ci,
                                            composite_row("c", "cpu", 0.7)});
  ASSERT_EQ(written["points"].size(), 3u);
  EXPECT_EQ(written["missing_cost"], json({"c/f16/cpu"}));
  EXPECT_TRUE(written["points"][0]["usd_per_million_tokens"].is_number_float());  // 1.0 stays a float
  EXPECT_EQ(json(written.get<ParetoFrontier>()), written);
  EXPECT_EQ(json(json::parse(written.dump()).get<ParetoFrontier>()).dump(), written.dump());  // through the text
  const json no_costs = pareto(testing::run_of({}, {}), std::vector<CompositeRow>{composite_row("a", "cpu", 0.5)});
  EXPECT_EQ(json(no_costs.get<ParetoFrontier>()), no_costs);
  // Any shape reads without throwing.
  for (const char* bad : {"null", "[]", "7", R"({"points": 3, "frontier": null, "note": 1, "quality_metric": []})",
                          R"({"points": [1, "x", {"quality": "x", "dominated_by": [1], "on_frontier": 0}]})"}) {
    ParetoFrontier p;
    EXPECT_NO_THROW(from_json(json::parse(bad), p)) << bad;
  }
}

TEST(ScalingFit, OneFitPerVariantBackend) {
  const RunData run = with_params({{"gpt2", 124e6}, {"llama-1b", 1236e6}, {"phi-2", 2700e6}, {"llama-3b", 3213e6}});
  const std::vector<CompositeRow> rows = {composite_row("gpt2", "gpu", 0.293),  composite_row("llama-1b", "gpu", 0.561),
                                          composite_row("phi-2", "gpu", 0.635), composite_row("llama-3b", "gpu", 0.538),
                                          composite_row("unknown", "gpu", 0.7), composite_row("gpt2", "cpu", 0.297)};
  const ScalingFit s = scaling_fit(run, rows);
  ASSERT_EQ(s.fits.size(), 1u);  // cpu has one model
  const ScalingLine& f = s.fits[0];
  EXPECT_EQ(f.backend, "gpu");
  EXPECT_EQ(f.n, 4);
  ASSERT_EQ(f.excluded.size(), 1u);
  EXPECT_EQ(f.excluded[0].model, "unknown");
  EXPECT_GT(f.b.value(), 0.0);
  EXPECT_LT(f.b.value(), 1.0);
  EXPECT_TRUE(f.b_stderr.has_value());
}

TEST(ScalingFit, TooFewParams) {
  EXPECT_TRUE(scaling_fit(testing::run_of({}, {}), {}).fits.empty());
  const RunData run = with_params({{"a", 1e9}, {"b", 1e9}});
  const ScalingFit s =
      scaling_fit(run, std::vector<CompositeRow>({composite_row("a", "cpu", 0.5), composite_row("b", "cpu", 0.6)}));
  EXPECT_TRUE(s.fits.empty());
  EXPECT_NE(s.note.find("distinct"), std::string::npos);
}

TEST(ScalingFit, TwoModelsFitExactly) {
  const RunData run = with_params({{"a", 1e8}, {"b", 1e9}});
  const json s =
      scaling_fit(run, std::vector<CompositeRow>({composite_row("a", "cpu", 0.3), composite_row("b", "cpu", 0.6)}));
  ASSERT_EQ(s["fits"].size(), 1u);
  EXPECT_NEAR(s["fits"][0]["b"].get<double>(), std::log10(2.0), 1e-12);
  EXPECT_TRUE(s["fits"][0]["b_stderr"].is_null());
  EXPECT_TRUE(s["fits"][0].contains("note"));
}

TEST(ScalingFit, ReadBackAsWritten) {
  // Two fits (cpu of two models, with its note), a model without params and one of composite 0 left out.
  const RunData run = with_params({{"a", 1e8}, {"b", 1e9}, {"c", 3e9}});
  const json written =
      scaling_fit(run, std::vector<CompositeRow>({composite_row("a", "cpu", 0.3), composite_row("b", "cpu", 0.6),
                                                  composite_row("c", "cpu", 0.0), composite_row("d", "cpu", 0.5),
                                                  composite_row("a", "gpu", 0.31), composite_row("b", "gpu", 0.5),
                                                  composite_row("c", "gpu", 0.7)}));
  ASSERT_EQ(written["fits"].size(), 2u);
  EXPECT_EQ(written["fits"][0]["excluded"].size(), 2u);
  EXPECT_TRUE(written["fits"][0]["points"][0]["params"].is_number_float());  // 1e8 stays a float
  EXPECT_TRUE(written["fits"][0]["n"].is_number_integer());
  EXPECT_FALSE(written["fits"][1].contains("note"));
  EXPECT_EQ(json(written.get<ScalingFit>()), written);
  EXPECT_EQ(json(json::parse(written.dump()).get<ScalingFit>()).dump(), written.dump());  // through the text
  for (const RunData& other : {testing::run_of({}, {}), with_params({{"a", 1e9}})}) {
    const json none = scaling_fit(other, {});
    EXPECT_EQ(json(none.get<ScalingFit>()), none);
  }
  // A missing section reads as a run without parameter counts.
  EXPECT_EQ(json(json().get<ScalingFit>()), json(scaling_fit(testing::run_of({}, {}), {})));
  // Any shape reads without throwing.
  for (const char* bad :
       {"null", "[]", "7", R"({"fits": 3, "note": 1})",
        R"({"fits": [1, "x", {"points": [1, {"params": "x"}], "excluded": {}, "n": 2.5, "a": "x"}]})"}) {
    ScalingFit s;
    EXPECT_NO_THROW(from_json(json::parse(bad), s)) << bad;
  }
}

json gen(const std::string& model, const std::string& task, int sample, json metrics) {
  return {{"model", model}, {"variant", "f16"}, {"backend", "cpu"}, {"task_name", task}, {"task_type", task},
          {"sample_id", sample}, {"rep", 0}, {"error", nullptr}, {"metrics", std::move(metrics)}};
}

// a wins summarization, b wins qa; routing beats either alone.
std::vector<json> router_records() {
  return {
      gen("a", "summarization", 0, {{"rouge_l", 0.6}, {"bertscore", 0.8}}),
      gen("a", "summarization", 1, {{"rouge_l", 0.4}, {"bertscore", 0.8}}),
      gen("b", "summarization", 0, {{"rouge_l", 0.2}, {"bertscore", 0.6}}),
      gen("a", "qa", 0, {{"exact_match", 0.0}}),
      gen("b", "qa", 0, {{"exact_match", 1.0}}),
      gen("c", "qa", 0, {{"exact_match", 0.5}}),
      {{"model", "a"},
       {"variant", "f16"},
       {"backend", "cpu"},
       {"task_name", "arc"},
       {"task_type", "multiple_choice"},
       {"error", nullptr},
       {"metrics", {{"acc", 1.0}}}},
  };
}

TEST(TaskRouter, BestLabelPerTask) {
  const json r = task_router(testing::run_of({}, router_records()));
  ASSERT_EQ(r["tasks"].size(), 2u);
  EXPECT_EQ(r["tasks"][0]["task_name"], "summarization");
  EXPECT_EQ(r["tasks"][0]["best"], "a/f16/cpu");
  EXPECT_NEAR(r["tasks"][0]["composite"].get<double>(), 0.65, 1e-12);  // (0.5 + 0.8) / 2
  EXPECT_EQ(r["tasks"][0]["n_samples"], 2);
  EXPECT_EQ(r["tasks"][0]["runner_up"], "b/f16/cpu");
  EXPECT_NEAR(r["tasks"][0]["margin"].get<double>(), 0.25, 1e-12);
  EXPECT_EQ(r["tasks"][1]["best"], "b/f16/cpu");
  EXPECT_EQ(r["tasks"][1]["runner_up"], "c/f16/cpu");
  EXPECT_NEAR(r["routed_composite"].get<double>(), (0.65 + 1.0) / 2, 1e-12);
  // a: (0.65 + 0) / 2 = 0.325; b: (0.4 + 1) / 2 = 0.7; c lacks summarization.
  EXPECT_EQ(r["best_single"], "b/f16/cpu");
  EXPECT_NEAR(r["best_single_composite"].get<double>(), 0.7, 1e-12);
  EXPECT_NEAR(r["gain"].get<double>(), 0.125, 1e-12);
  EXPECT_EQ(r["labels"][2]["complete"], false);
}

TEST(TaskRouter, NoGenerationRecords) {
  const json r = task_router(testing::run_of({}, {}));
  EXPECT_TRUE(r["tasks"].empty());
  EXPECT_TRUE(r.contains("note"));
  EXPECT_EQ(r.size(), 2u);  // tasks and note alone
}

TEST(TaskRouter, ReadBackAsWritten) {
  const json written = task_router(testing::run_of({}, router_records()));
  ASSERT_EQ(written["tasks"].size(), 2u);
  EXPECT_TRUE(written["tasks"][0]["n_samples"].is_number_integer());
  EXPECT_EQ(json(written.get<TaskRouter>()), written);
  EXPECT_EQ(json(json::parse(written.dump()).get<TaskRouter>()).dump(), written.dump());  // through the text
  // No label ran every task (best_single and its figures null), and a task one label ran (no runner-up).
  const json partial = task_router(testing::run_of(
      {}, {gen("a", "qa", 0, {{"exact_match", 1.0}}), gen("b", "summarization", 0, {{"rouge_l", 0.5}})}));
  EXPECT_TRUE(partial["best_single"].is_null());
  EXPECT_TRUE(partial["tasks"][0]["runner_up"].is_null());
  EXPECT_EQ(json(partial.get<TaskRouter>()), partial);
  // A missing section reads as a run without generate records.
  const json none = task_router(testing::run_of({}, {}));
  EXPECT_EQ(json(none.get<TaskRouter>()), none);
  EXPECT_EQ(json(json().get<TaskRouter>()), none);
  // Any shape reads without throwing.
  for (const char* bad : {"null", "[]", "7", R"({"tasks": 3, "labels": {}, "best_single": 1})",
                          R"({"tasks": [1, "x", {"composite": "x", "n_samples": 1.5, "runner_up": []}],
                              "labels": [2, {"composite": null}]})"}) {
    TaskRouter r;
    EXPECT_NO_THROW(from_json(json::parse(bad), r)) << bad;
  }
}

json kld_record(const std::string& category, double n, double mean, double se, double same, double ln_ratio,
                double p99, double max) {
  return {{"model", "m"},       {"variant", "Q4_0"},         {"backend", "cpu"}, {"task_name", "suite_kld"},
          {"task_type", "kld"}, {"base_model", "m/f32"},     {"category", category}, {"error", nullptr},
          {"metrics", {{"n_tokens", n}, {"kld_mean", mean}, {"kld_stderr", se}, {"kld_median", mean / 2},
                       {"kld_p90", mean * 2}, {"kld_p95", mean * 3}, {"kld_p99", p99}, {"kld_max", max},
                       {"same_top", same}, {"ln_ppl_ratio", ln_ratio}, {"ppl_ratio", std::exp(ln_ratio)}}}};
}

// Tokens: code 100 + 300, qa 100.
std::vector<json> three_documents() {
  return {kld_record("code", 100, 0.02, 0.001, 0.9, 0.01, 0.1, 0.5),
          kld_record("code", 300, 0.10, 0.002, 0.7, 0.03, 0.4, 2.0),
          kld_record("qa", 100, 0.01, 0.001, 1.0, 0.00, 0.05, 0.2)};
}

TEST(KldSummary, TokenWeightedPoolAndCategories) {
  // Two documents' tokens pooled are their weighted means.
  const std::vector<json> records = three_documents();
  const json s = kld_summary(testing::run_of({}, records));
  ASSERT_EQ(s["rows"].size(), 1u);
  const json& r = s["rows"][0];
  EXPECT_EQ(r["n_docs"], 3);
  EXPECT_DOUBLE_EQ(r["n_tokens"].get<double>(), 500);
  EXPECT_NEAR(r["kld_mean"].get<double>(), (2 + 30 + 1) / 500.0, 1e-12);
  EXPECT_NEAR(r["same_top"].get<double>(), (90 + 210 + 100) / 500.0, 1e-12);
  EXPECT_NEAR(r["ppl_ratio"].get<double>(), std::exp((1 + 9 + 0) / 500.0), 1e-12);
  EXPECT_NEAR(r["percentiles"]["p99"].get<double>(), (10 + 120 + 5) / 500.0, 1e-12);
  EXPECT_DOUBLE_EQ(r["percentiles"]["max"].get<double>(), 2.0);
  // Pooled stderr from each document's E[x^2] = se^2 (n - 1) + mean^2.
  const double ex2 = (100 * (1e-6 * 99 + 4e-4) + 300 * (4e-6 * 299 + 1e-2) + 100 * (1e-6 * 99 + 1e-4)) / 500;
  const double m = 33 / 500.0;
  EXPECT_NEAR(r["kld_stderr"].get<double>(), std::sqrt((ex2 - m * m) / 499), 1e-12);
  ASSERT_EQ(r["categories"].size(), 2u);
  EXPECT_EQ(r["categories"][0]["category"], "code");
  EXPECT_NEAR(r["categories"][0]["kld_mean"].get<double>(), 32 / 400.0, 1e-12);
  EXPECT_EQ(r["categories"][0]["flagged"], true);  // 0.08 > 0.05
  EXPECT_EQ(r["categories"][1]["flagged"], false);
  EXPECT_EQ(r["most_harmed"], json({"code", "qa"}));
  EXPECT_EQ(r["flagged"], json({"code"}));
  EXPECT_EQ(r["checks"], json({{"ppl_delta", true}, {"same_top", false}, {"categories", false}}));
  RunData lenient = testing::run_of({}, records);
  lenient.harm.max_category_kld = 0.1;
  lenient.harm.min_same_top = 0.75;
  const json l = json(kld_summary(lenient))["rows"][0];
  EXPECT_TRUE(l["flagged"].empty());
  EXPECT_EQ(l["checks"], json({{"ppl_delta", true}, {"same_top", true}, {"categories", true}}));
  EXPECT_EQ(json(kld_summary(lenient, 0.07))["rows"][0]["flagged"], json({"code"}));
}

TEST(KldSummary, NoRecords) { EXPECT_TRUE(json(kld_summary(testing::run_of({}, {})))["rows"].empty()); }

TEST(KldSummary, ReadBackAsWritten) {
  const KldSummary written = kld_summary(testing::run_of({}, three_documents()));
  ASSERT_EQ(written.rows.size(), 1u);
  ASSERT_EQ(written.rows[0].categories.size(), 2u);
  const json j = written;
  EXPECT_EQ(json(j.get<KldSummary>()), j);
  EXPECT_EQ(json(json::parse(j.dump()).get<KldSummary>()).dump(), j.dump());  // through summary.json's text
  EXPECT_EQ(json(json(KldSummary{}).get<KldSummary>()), json(KldSummary{}));
  // Any shape reads without throwing.
  for (const char* bad : {"null", "[]", R"({"rows": 3})", R"({"rows": [1, "x", {"categories": 7}]})",
                          R"({"rows": [{"n_tokens": "x", "percentiles": []}]})"}) {
    KldSummary s;
    EXPECT_NO_THROW(from_json(json::parse(bad), s)) << bad;
  }
}

TEST(CostMarkdown, SectionsAndNotes) {
  report::Doc empty;
  report::add_pareto_section(empty, ParetoFrontier{});
  ScalingFit no_fit;
  no_fit.note = "no params here";
  report::add_scaling_section(empty, no_fit);
  report::add_router_section(empty, TaskRouter{});
  report::add_kld_section(empty, KldSummary{});
  const std::string notes = report::to_markdown(empty);
  EXPECT_NE(notes.find("## Quality-cost Pareto frontier\n\nnot computed"), std::string::npos);
  EXPECT_NE(notes.find("no params here"), std::string::npos);
  EXPECT_NE(notes.find("## Task router estimate\n\nno generation records"), std::string::npos) << notes;

  const RunData run = testing::run_of(plan_manifest({cost("a", "cpu", 0.2), cost("b", "cpu", 0.1)}), {});
  const ParetoFrontier frontier =
      pareto(run, std::vector<CompositeRow>{composite_row("a", "cpu", 0.5), composite_row("b", "cpu", 0.6)});
  report::Doc doc;
  report::add_pareto_section(doc, frontier);
  const std::string md = report::to_markdown(doc);
  EXPECT_NE(md.find("| b | f16 | cpu | 0.600 | $0.100 | $0.167 | YES | — |"), std::string::npos) << md;
  EXPECT_NE(md.find("| a | f16 | cpu | 0.500 | $0.200 | $0.400 | no | b/f16/cpu |"), std::string::npos);
}

TEST(CostMarkdown, RouterAndScalingTables) {
  report::Doc doc;
  report::add_router_section(doc, task_router(testing::run_of({}, router_records())));
  report::add_scaling_section(
      doc, scaling_fit(with_params({{"a", 1e8}, {"b", 1e9}}),
                       std::vector<CompositeRow>({composite_row("a", "cpu", 0.3), composite_row("b", "cpu", 0.6)})));
  const std::string md = report::to_markdown(doc);
  EXPECT_NE(md.find("| summarization | a/f16/cpu | 0.650 | 2 | b/f16/cpu | 0.400 | 0.250 |"), std::string::npos) << md;
  EXPECT_NE(md.find("Routed composite 0.825 vs best single b/f16/cpu 0.700: gain 0.125 (17.9 %)."), std::string::npos);
  // Two models: a = 0.3 / 1e8^log10(2) = 0.3 / 256, no stderr or p.
  EXPECT_NE(md.find("| f16 | cpu | 2 | 0.00117 | 0.301 | — | — | 1.000 |"), std::string::npos);
  EXPECT_NE(md.find("| f16 | cpu | b | 1000.0 | 0.600 | 0.600 |"), std::string::npos);
}

}  // namespace
}  // namespace qualm::analysis
