#include "analysis/disagreements.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "analysis/test_records.h"

namespace qualm::analysis {
namespace {

using nlohmann::json;
using testing::record;

json mc(const std::string& variant, int sample, int pred, std::vector<double> lls) {
  json r = record(variant, "cpu", "arc", sample, {{"acc", pred == 1 ? 1.0 : 0.0}}, "multiple_choice");
  json choices = json::array();
  for (double ll : lls)
    choices.push_back(
        {{"text", "x"}, {"loglikelihood", ll}, {"n_tokens", 1}, {"is_greedy", false}, {"token_mean", ll}});
  r["choices"] = choices;
  r["gold"] = 1;
  r["pred"] = {{"acc", pred}, {"acc_norm", pred}, {"acc_bytes", pred}, {"acc_token_mean", pred}};
  r["correct"] = pred == 1;
  return r;
}

json gen(const std::string& variant, int sample, const std::string& output, double temperature = 0) {
  json r = record(variant, "cpu", "qa", sample, {{"rouge_l", 0.5}}, "qa");
  r["candidate"] = output;
  r["raw_output"] = output;
  r["temperature"] = temperature;
  return r;
}

TEST(Disagreements, FlipsRankedByLoglikelihoodAndDivergence) {
  const std::vector<json> records = {
      mc("f16", 0, 1, {-2.0, -1.0}), mc("q4", 0, 0, {-1.5, -1.6}),  // flips; |ΔLL| 0.5 and 0.6 -> 0.6
      mc("f16", 1, 1, {-3.0, -1.0}), mc("q4", 1, 0, {-1.0, -4.0}),  // flips; max |ΔLL| 3.0
      mc("f16", 2, 1, {-3.0, -1.0}), mc("q4", 2, 1, {-2.9, -1.1}),  // agrees
      gen("f16", 0, "The cat sat."), gen("q4", 0, "The cat ran."),  // parts at char 8
      gen("f16", 1, "Once upon"),    gen("q4", 1, "Once upon"),     // equal
      gen("f16", 2, "Hé said"),      gen("q4", 2, "Hë said"),       // parts inside a 2-byte character: at char 1
      gen("f16", 3, "sampled", 0.7), gen("q4", 3, "other", 0.7),    // not greedy: not compared
  };
  const json d = disagreements(testing::run_of(json(), records));
  ASSERT_EQ(d["pairs"].size(), 1u);
  const json& p = d["pairs"][0];
  EXPECT_EQ(p["a"]["variant"], "f16");
  EXPECT_EQ(p["multiple_choice"]["compared"], 3);
  EXPECT_EQ(p["multiple_choice"]["differing"], 2);
  // Gold is 1: f16 right on samples 0, 1 and 2, q4 on 2 only. Exact McNemar with b = 2, c = 0:
  // p = 2 * P(Binomial(2, 1/2) <= 0) = 0.5.
  EXPECT_EQ(p["multiple_choice"]["only_a_right"], 2);
  EXPECT_EQ(p["multiple_choice"]["only_b_right"], 0);
  EXPECT_DOUBLE_EQ(p["multiple_choice"]["mcnemar_p"].get<double>(), 0.5);
  // The flip matrix of the one benchmark: both right on sample 2, only f16 on 0 and 1.
  const json& m = p["multiple_choice"]["by_task"];
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0]["task"], "arc");
  EXPECT_EQ(m[0]["compared"], 3);
  EXPECT_EQ(m[0]["both_right"], 1);
  EXPECT_EQ(m[0]["only_a_right"], 2);
  EXPECT_EQ(m[0]["only_b_right"], 0);
  EXPECT_EQ(m[0]["both_wrong"], 0);
  EXPECT_EQ(m[0]["answers_differ"], 2);
  EXPECT_DOUBLE_EQ(m[0]["mcnemar_p"].get<double>(), 0.5);
  EXPECT_EQ(p["generate"], (json{{"compared", 3}, {"differing", 2}, {"with_first_token", 0}, {"near_ties", 0}}));
  const json& top = p["top"];
  ASSERT_EQ(top.size(), 4u);
  EXPECT_EQ(top[0]["sample_id"], 1);
  EXPECT_DOUBLE_EQ(top[0]["max_abs_dll"].get<double>(), 3.0);
  EXPECT_EQ(top[0]["loglikelihoods_b"], json::array({-1.0, -4.0}));
  EXPECT_EQ(top[1]["sample_id"], 0);
  EXPECT_NEAR(top[1]["max_abs_dll"].get<double>(), 0.6, 1e-12);
  EXPECT_EQ(top[2]["sample_id"], 2);  // parts at char 1, before sample 0's char 8
  EXPECT_EQ(top[2]["diverges_at_char"], 1);
  EXPECT_EQ(top[2]["shared"], "H");
  EXPECT_EQ(top[2]["a_then"], "é said");
  EXPECT_EQ(top[2]["b_then"], "ë said");
  EXPECT_EQ(top[3]["diverges_at_char"], 8);
  EXPECT_EQ(top[3]["shared"], "The cat ");
  EXPECT_EQ(top[3]["a_then"], "sat.");
}

// Greedy records with their steps: the first token where the chosen tokens part, on each side
// (its index and candidates, the chosen one first, probabilities from the log-probabilities).
TEST(Disagreements, FirstDifferingTokenAndItsCandidates) {
  const auto stepped = [](const std::string& variant, int sample, const std::string& stop,
                          const std::vector<std::vector<std::pair<std::string, double>>>& steps) {
    std::string output;
    json top = json::array();
    for (size_t k = 0; k < steps.size(); ++k) {
      if (!(stop == "eos" && k + 1 == steps.size())) output += steps[k][0].first;
      json step = json::array();
      for (const auto& [text, lp] : steps[k]) step.push_back(json::array({static_cast<int>(step.size()), text, lp}));
      top.push_back(step);
    }
    json r = gen(variant, sample, output);
    r["stop_reason"] = stop;
    r["top_logprobs"] = top;
    return r;
  };
  const double l1 = std::log(0.5), l2 = std::log(0.25), l3 = std::log(0.125);
  const std::vector<json> records = {
      // the second token differs: " cat" against " dog"
      stepped("f16", 0, "length", {{{"The", l1}}, {{" cat", l1}, {" dog", l2}}, {{" sat", l1}}}),
      stepped("q4", 0, "length", {{{"The", l1}}, {{" dog", l1}, {" cat", l3}}, {{" ran", l1}}}),
      // f16 ends where q4 goes on: f16's end-of-generation step against q4's third token
      stepped("f16", 1, "eos", {{{"A", l1}}, {{" b", l1}}, {{"</s>", l2}, {" c", l3}}}),
      stepped("q4", 1, "length", {{{"A", l1}}, {{" b", l1}}, {{" c", l1}, {"</s>", l3}}}),
      gen("f16", 2, "x y"), gen("q4", 2, "x z"),  // no steps (a server): no first token
      // a near tie: each side gives the other's token 0.02 less than its own
      stepped("f16", 3, "length", {{{"x", std::log(0.30)}, {"y", std::log(0.28)}}}),
      stepped("q4", 3, "length", {{{"y", std::log(0.31)}, {"x", std::log(0.29)}}}),
  };
  const json d = disagreements(testing::run_of(json(), records));
  const json& top = d["pairs"][0]["top"];
  ASSERT_EQ(top.size(), 4u);
  // Samples 0 and 1 part where each model prefers its own token by 0.25 or more; sample 3 at a near tie.
  EXPECT_EQ(d["pairs"][0]["generate"],
            (json{{"compared", 4}, {"differing", 4}, {"with_first_token", 3}, {"near_ties", 1}}));
  std::map<int64_t, json> first;
  for (const json& item : top) first[item["sample_id"].get<int64_t>()] = item["first_token"];
  EXPECT_EQ(first[0]["a"]["index"], 1);
  EXPECT_EQ(first[0]["b"]["index"], 1);
  EXPECT_EQ(first[0]["a"]["top"][0]["token"], " cat");
  EXPECT_DOUBLE_EQ(first[0]["a"]["top"][0]["prob"].get<double>(), 0.5);
  EXPECT_EQ(first[0]["a"]["top"][1]["token"], " dog");
  EXPECT_DOUBLE_EQ(first[0]["a"]["top"][1]["prob"].get<double>(), 0.25);
  EXPECT_EQ(first[0]["b"]["top"][0]["token"], " dog");
  EXPECT_DOUBLE_EQ(first[0]["b"]["top"][1]["prob"].get<double>(), 0.125);
  EXPECT_EQ(first[1]["a"]["index"], 2);
  EXPECT_EQ(first[1]["a"]["top"][0]["token"], "</s>");
  EXPECT_EQ(first[1]["b"]["index"], 2);
  EXPECT_EQ(first[1]["b"]["top"][0]["token"], " c");
  EXPECT_TRUE(first[2].is_null());
  EXPECT_EQ(json(d.get<Disagreements>()), d);  // the report reads back every first token as written
}

// summary.json's disagreements read back into the typed section the report renders: what
// to_json wrote comes back whole (both kinds of item here; first tokens above), and any other
// shape reads as defaults instead of throwing.
TEST(Disagreements, ReadBackAsWritten) {
  const std::vector<json> records = {
      mc("f16", 0, 1, {-1.0, -0.5}), mc("q4", 0, 0, {-0.4, -0.9}),  // an answer flips
      gen("f16", 1, "the cat"), gen("q4", 1, "the dog"),            // outputs part, no steps
  };
  const json written = disagreements(testing::run_of(json(), records));
  ASSERT_EQ(written["pairs"][0]["top"].size(), 2u);
  EXPECT_EQ(json(written.get<Disagreements>()), written);
  for (const json& odd : {json(), json::array({1}), json{{"pairs", 3}}, json{{"pairs", {json{{"top", {4, "x"}}}}}},
                          json{{"pairs", {json{{"a", 1}, {"multiple_choice", {{"by_task", {{{"task", 7}}}}}}}}}}}) {
    EXPECT_NO_THROW(odd.get<Disagreements>()) << odd;
  }
  const auto partial =
      json{{"pairs", {json{{"multiple_choice", {{"by_task", {{{"task", "arc"}, {"both_right", 2}}}}}}}}}}
          .get<Disagreements>();
  ASSERT_EQ(partial.pairs.size(), 1u);
  EXPECT_EQ(partial.pairs[0].multiple_choice.by_task[0].compared(), 2);
  EXPECT_EQ(partial.pairs[0].multiple_choice.by_task[0].mcnemar_p, 1.0);
}

}  // namespace
}  // namespace qualm::analysis
