#include "analysis/quant_harm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "analysis/gates.h"
#include "analysis/summary.h"
#include "analysis/test_records.h"
#include "config/gate.h"

namespace qualm::analysis {
namespace {

using nlohmann::json;

json rec(const std::string& variant, const std::string& task, const std::string& kind, int sample, json metrics) {
  return {{"model", "m"},      {"variant", variant}, {"backend", "cpu"},
          {"task_name", task}, {"task_type", kind},  {"sample_id", sample},
          {"rep", 0},          {"error", nullptr},   {"metrics", std::move(metrics)}};
}

json kld_rec(const std::string& variant, int sample, const std::string& category, double n, double kld, double same) {
  json r = rec(variant, "prompt_suite_96_continuation_kld", "kld", sample,
               {{"n_tokens", n}, {"kld_mean", kld}, {"kld_stderr", 0.0}, {"same_top", same}, {"ln_ppl_ratio", 0.0}});
  r["category"] = category;
  r["base_model"] = "m/f32";
  return r;
}

json gen_rec(const std::string& variant, int sample, const std::string& category, const std::string& candidate,
             double repetition, double ms, int tokens) {
  json r = rec(variant, "prompt_suite_96", "prompt_suite", sample, {{"repetition", repetition}});
  r["category"] = category;
  r["candidate"] = candidate;
  r["gen_time_ms"] = ms;
  r["output_tokens"] = tokens;
  return r;
}

RunData harm_run() {
  const json manifest = {
      {"plan",
       {{"tasks",
         {{{"name", "wikitext"}, {"kind", "loglikelihood_rolling"}},
          {{"name", "prompt_suite_96_continuation_kld"}, {"kind", "kld"}},
          {{"name", "prompt_suite_96"}, {"kind", "generate"}}}},
        {"harm_thresholds",
         {{"max_ppl_delta_pct", 5.0},
          {"max_category_kld", 0.05},
          {"min_same_top", 0.9},
          {"non_degenerate_repetition", 0.5}}}}},
      {"models",
       {{{"name", "m"}, {"variant", "f32"}, {"size_bytes", 4000}, {"gguf", {{"tensor_types", {{"f32", 9}}}}}},
        {{"name", "m"},
         {"variant", "Q4_0"},
         {"size_bytes", 1000},
         {"gguf", {{"tensor_types", {{"q4_0", 4}, {"q8_0", 2}, {"f32", 3}}}}},
         {"quantization",
          {{"type", "Q4_0"},
           {"fallbacks",
            {{{"tensor", "a"}, {"wanted", "q4_0"}, {"used", "q8_0"}},
             {{"tensor", "b"}, {"wanted", "q4_0"}, {"used", "q8_0"}}}}}}}}}};
  std::vector<json> r;
  // Q4_0 written first: the base is the manifest's first variant, not the first record's.
  r.push_back(
      rec("Q4_0", "wikitext", "perplexity", 0, {{"loglikelihood", -110.0}, {"n_tokens", 50.0}, {"words", 10.0}}));
  r.push_back(
      rec("Q4_0", "wikitext", "perplexity", 1, {{"loglikelihood", -120.0}, {"n_tokens", 50.0}, {"words", 10.0}}));
  r.push_back(
      rec("f32", "wikitext", "perplexity", 0, {{"loglikelihood", -100.0}, {"n_tokens", 50.0}, {"words", 10.0}}));
  r.push_back(
      rec("f32", "wikitext", "perplexity", 1, {{"loglikelihood", -100.0}, {"n_tokens", 50.0}, {"words", 10.0}}));
  for (const char* v : {"f32", "Q4_0"}) {
    const bool base = std::string(v) == "f32";
    r.push_back(kld_rec(v, 0, "code", 30, base ? 0 : 0.02, base ? 1 : 0.9));
    r.push_back(kld_rec(v, 1, "code", 10, base ? 0 : 0.10, base ? 1 : 0.8));
    r.push_back(kld_rec(v, 2, "dialogue", 20, base ? 0 : 0.01, base ? 1 : 1.0));
    r.push_back(gen_rec(v, 0, "code", "def f(): pass", 1.0, 1000, base ? 20 : 30));
    r.push_back(gen_rec(v, 1, "code", base ? "x y z" : "   ", 1.0, 1000, base ? 20 : 30));
    r.push_back(gen_rec(v, 2, "dialogue", "a a a a a a a a", base ? 1.0 : 0.2, 2000, base ? 20 : 30));
  }
  json failed = gen_rec("Q4_0", 3, "dialogue", "", 1.0, 0, 0);
  failed["error"] = "decode failed";
  failed["gen_time_ms"] = nullptr;
  r.push_back(failed);
  return testing::run_of(manifest, r);
}

const json& variant(const json& h, const std::string& name) {
  for (const json& v : h["models"][0]["variants"]) {
    if (v["variant"] == name) return v;
  }
  static const json none;
  return none;
}

TEST(QuantHarmTest, VariantsAgainstTheBase) {
  const json h = quantization_harm(harm_run());
  ASSERT_EQ(h["models"].size(), 1u);
  const json& m = h["models"][0];
  EXPECT_EQ(m["base_variant"], "f32");
  EXPECT_EQ(m["ppl_task"], "wikitext");
  EXPECT_EQ(m["kld_task"], "prompt_suite_96_continuation_kld");
  EXPECT_EQ(m["generation_task"], "prompt_suite_96");
  const json& q = variant(h, "Q4_0");
  const json& b = variant(h, "f32");
  EXPECT_NEAR(b["ppl"]["token_perplexity"].get<double>(), std::exp(2.0), 1e-9);
  EXPECT_NEAR(q["ppl"]["token_perplexity"].get<double>(), std::exp(2.3), 1e-9);  // 230 / 100 tokens
  EXPECT_NEAR(q["ppl"]["word_perplexity"].get<double>(), std::exp(11.5), 1e-6);  // 230 / 20 words
  EXPECT_NEAR(q["ppl_delta_pct"].get<double>(), 100 * (std::exp(0.3) - 1), 1e-9);
  // Token-weighted: (30 * 0.02 + 10 * 0.10 + 20 * 0.01) / 60.
  EXPECT_NEAR(q["kld"]["kld_mean"].get<double>(), 1.8 / 60, 1e-12);
  EXPECT_NEAR(q["kld"]["same_top"].get<double>(), (27 + 8 + 20) / 60.0, 1e-12);
  EXPECT_EQ(q["size_bytes"], 1000);
  EXPECT_NEAR(q["compression_ratio"].get<double>(), 4.0, 1e-12);
  EXPECT_EQ(q["quant_type"], "Q4_0");
  EXPECT_EQ(q["tensor_types"]["q8_0"], 2);
  EXPECT_EQ(q["fallbacks"][0]["tensors"], 2);
  // Speed: the base wrote 60 tokens in 4 s, Q4_0 90 in 4 s (the failed record has no time).
  EXPECT_NEAR(q["generation"]["tokens_per_s"].get<double>(), 90 / 4.0, 1e-12);
  EXPECT_NEAR(q["speed_ratio"].get<double>(), 1.5, 1e-12);
  EXPECT_EQ(b["speed_ratio"], 1.0);
}

TEST(QuantHarmTest, CategoriesAndRates) {
  const json h = quantization_harm(harm_run());
  const json& q = variant(h, "Q4_0");
  ASSERT_EQ(q["categories"].size(), 2u);
  const json& code = q["categories"][0];
  EXPECT_EQ(code["category"], "code");
  EXPECT_NEAR(code["kld_mean"].get<double>(), 1.6 / 40, 1e-12);
  EXPECT_FALSE(code["flagged"].get<bool>());
  EXPECT_TRUE(code["most_harmed"].get<bool>());
  EXPECT_NEAR(code["completed_rate"].get<double>(), 0.5, 1e-12);  // "   " is empty
  EXPECT_NEAR(code["non_degenerate_rate"].get<double>(), 0.5, 1e-12);
  EXPECT_NEAR(code["mean_time_s"].get<double>(), 1.0, 1e-12);
  const json& dialogue = q["categories"][1];
  EXPECT_EQ(dialogue["n"], 2);  // the error record counts
  EXPECT_NEAR(dialogue["completed_rate"].get<double>(), 0.5, 1e-12);
  EXPECT_NEAR(dialogue["non_degenerate_rate"].get<double>(), 0.0, 1e-12);  // repetition 0.2 < 0.5
  EXPECT_NEAR(dialogue["mean_time_s"].get<double>(), 2.0, 1e-12);          // timed records only
  EXPECT_TRUE(variant(h, "f32")["most_harmed"].empty());
}

TEST(QuantHarmTest, ThresholdsPassAndFail) {
  RunData run = harm_run();
  json h = quantization_harm(run);
  ASSERT_EQ(h["thresholds"].size(), 3u);
  const json& ppl = h["thresholds"][0];
  EXPECT_EQ(ppl["name"], "ppl_delta_pct");
  EXPECT_EQ(ppl["variant"], "Q4_0");
  EXPECT_EQ(ppl["status"], "FAIL");  // +35 %
  EXPECT_NEAR(ppl["by"].get<double>(), 5 - ppl["value"].get<double>(), 1e-12);
  const json& kld = h["thresholds"][1];
  EXPECT_EQ(kld["status"], "PASS");  // worst category: code, 0.04
  EXPECT_NEAR(kld["value"].get<double>(), 0.04, 1e-12);
  const json& same = h["thresholds"][2];
  EXPECT_EQ(same["status"], "PASS");  // 55 / 60
  EXPECT_NEAR(same["by"].get<double>(), 55 / 60.0 - 0.9, 1e-12);

  run.harm.max_category_kld = 0.03;
  run.harm.min_same_top = 0.95;
  run.harm.max_ppl_delta_pct = 40;
  h = quantization_harm(run);
  EXPECT_EQ(h["thresholds"][0]["status"], "PASS");
  EXPECT_EQ(h["thresholds"][1]["status"], "FAIL");
  EXPECT_EQ(h["thresholds"][2]["status"], "FAIL");
  EXPECT_TRUE(variant(h, "Q4_0")["categories"][0]["flagged"].get<bool>());
  EXPECT_EQ(h["gates"],
            json({"harm.abs_ppl_delta_pct <= 40.0000", "harm.max_category_kld <= 0.0300", "harm.same_top >= 0.9500"}));
}

// harm.* gates check the same figures as the thresholds, each variant but the base.
TEST(QuantHarmTest, HarmGates) {
  const RunData run = harm_run();
  const json res =
      evaluate_gates({"harm.abs_ppl_delta_pct <= 5", "harm.max_category_kld <= 0.05", "harm.same_top:m >= 0.9",
                      "harm.non_degenerate_rate > 0.25", "harm.compression_ratio >= 4", "harm.ppl_delta_pct >= -5"},
                     run, nullptr);
  ASSERT_EQ(res.size(), 6u);
  for (const json& r : res) {
    EXPECT_EQ(r["variant"], "Q4_0") << r["gate"];
    EXPECT_EQ(r["baseline"]["variant"], "f32") << r["gate"];
  }
  const double delta = 100 * (std::exp(0.3) - 1);  // token PPL e^2.3 against e^2
  EXPECT_EQ(res[0]["status"], "FAIL");
  EXPECT_NEAR(res[0]["actual"].get<double>(), delta, 1e-9);
  EXPECT_NEAR(res[0]["by"].get<double>(), 5 - delta, 1e-9);
  EXPECT_EQ(res[0]["task"], "wikitext");
  EXPECT_EQ(res[0]["n"], 100);  // tokens
  EXPECT_EQ(res[1]["status"], "PASS");
  EXPECT_NEAR(res[1]["actual"].get<double>(), 0.04, 1e-12);  // code: 1.6 / 40 tokens
  EXPECT_EQ(res[1]["detail"], "0.0400 <= 0.0500 (worst category: code)");
  EXPECT_EQ(res[2]["status"], "PASS");
  EXPECT_NEAR(res[2]["actual"].get<double>(), 55 / 60.0, 1e-12);
  EXPECT_EQ(res[3]["status"], "FAIL");  // 1 of 4: "   " is empty, repetition 0.2, one error
  EXPECT_NEAR(res[3]["actual"].get<double>(), 0.25, 1e-12);
  EXPECT_EQ(res[4]["status"], "PASS");  // 4000 / 1000 bytes
  EXPECT_EQ(res[5]["status"], "PASS");  // signed: +35 % is above -5 %
  EXPECT_TRUE(gates_failed(res.get<std::vector<GateResult>>()));
}

TEST(QuantHarmTest, HarmGatesNeverPassSilently) {
  const RunData run = harm_run();
  json res = evaluate_gates({"harm.same_top:other >= 0.9"}, run, nullptr);
  ASSERT_EQ(res.size(), 1u);
  EXPECT_EQ(res[0]["status"], "FAIL");
  EXPECT_EQ(res[0]["detail"], "the quantization harm study has no model other; models: m");

  std::vector<SampleRecord> one_variant;
  for (const SampleRecord& r : run.records) {
    if (r.config.variant == "f32") one_variant.push_back(r);
  }
  res = evaluate_gates({"harm.same_top >= 0.9"}, make_run_data(run.manifest, one_variant), nullptr);
  ASSERT_EQ(res.size(), 1u);
  EXPECT_EQ(res[0]["status"], "FAIL");
  EXPECT_NE(res[0]["detail"].get<std::string>().find("has only one in this run"), std::string::npos);

  std::vector<json> no_kld = {rec("f32", "qa", "generate", 0, {{"rouge_l", 0.5}}),
                              rec("Q4_0", "qa", "generate", 0, {{"rouge_l", 0.4}})};
  res = evaluate_gates({"harm.same_top >= 0.9"}, testing::run_of(json::object(), no_kld), nullptr);
  ASSERT_EQ(res.size(), 1u);
  EXPECT_EQ(res[0]["status"], "FAIL");
  EXPECT_EQ(res[0]["detail"], "no value: no kld task (add prompt_suite_96_continuation_kld)");
}

TEST(QuantHarmTest, EveryGateFigureIsDefined) {
  const QuantizationHarm h = quantization_harm(harm_run());
  const HarmModel& m = h.models.at(0);
  const HarmVariant& q = m.variants.at(1);
  ASSERT_EQ(q.variant, "Q4_0");
  for (const std::string& name : harm_figures()) {
    const HarmFigure f = harm_figure(m, q, name);
    EXPECT_TRUE(f.value.has_value()) << name << ": " << f.detail;
  }
  EXPECT_THROW(harm_figure(m, q, "median"), std::invalid_argument);
}

// summary.json's section reads back as written, and any other shape reads without throwing.
TEST(QuantHarmTest, ReadBackAsWritten) {
  const json written = quantization_harm(harm_run());
  EXPECT_EQ(json(written.get<QuantizationHarm>()), written);
  ASSERT_EQ(written["models"][0]["variants"][1]["categories"].size(), 2u);  // the case has every part
  for (const json& odd :
       {json(), json::array(), json{{"models", 3}}, json{{"models", {1, "x", {{"variants", 7}}}}},
        json{{"models",
              {{{"variants",
                 {{{"ppl", {1}}, {"generation", "g"}, {"categories", {2}}, {"tensor_types", {{"q4_0", "x"}}}}}}}}},
             {"thresholds", {{{"value", "x"}, {"limit", nullptr}}}}}}) {
    EXPECT_NO_THROW(odd.get<QuantizationHarm>()) << odd;
  }
}

// The whole summary.json reads back as written: its typed sections and the rest by key.
TEST(SummaryTest, ReadBackAsWritten) {
  const RunData run = harm_run();
  const json written = make_summary(run, aggregate_records(run.records, run.seed));
  ASSERT_FALSE(written["kld"]["rows"].empty());
  const Summary read = written.get<Summary>();
  EXPECT_EQ(json(read), written);
  for (const json& odd : {json(), json::array(),
                          json{{"kld", 3},
                               {"quantization_harm", json::array()},
                               {"disagreements", "x"},
                               {"quantization_impact", nullptr},
                               {"counts", 1}}}) {
    EXPECT_NO_THROW(odd.get<Summary>()) << odd;
  }
}

TEST(QuantHarmTest, MissingTasksAreNotPasses) {
  std::vector<json> records = {rec("f32", "qa", "generate", 0, {{"rouge_l", 0.5}}),
                               rec("Q4_0", "qa", "generate", 0, {{"rouge_l", 0.4}})};
  const json h = quantization_harm(testing::run_of(json::object(), records));
  ASSERT_EQ(h["thresholds"].size(), 3u);
  for (const json& t : h["thresholds"]) EXPECT_EQ(t["status"], "MISSING");
  EXPECT_EQ(h["models"][0]["base_variant"], "f32");  // without a manifest: the first written
}

}  // namespace
}  // namespace qualm::analysis
