#include "analysis/gates.h"

#include <gtest/gtest.h>

#include "analysis/test_records.h"
#include "records/aggregate.h"

namespace qualm::analysis {
namespace {

using nlohmann::json;

json rec(const std::string& model, const std::string& variant, const std::string& task, int sample, json metrics) {
  return {{"model", model},    {"variant", variant}, {"backend", "cpu"}, {"task_name", task},
          {"task_type", task}, {"sample_id", sample}, {"rep", 0},        {"error", nullptr},
          {"metrics", std::move(metrics)}};
}

const json kManifest = {{"plan",
                         {{"tasks",
                           {{{"name", "qa"}, {"kind", "generate"}},
                            {{"name", "mmlu_a"}, {"kind", "multiple_choice"}, {"group", "mmlu"}},
                            {{"name", "mmlu_b"}, {"kind", "multiple_choice"}, {"group", "mmlu"}}}}}}};

// Model m in f32 and Q4_0: qa rouge_l 0.5 0.3 0.4 (mean 0.4) and 0.3 0.2 0.4 (mean 0.3);
// mmlu accuracy 3/4 and 1/4. Model n (f32 only): qa rouge_l 0.1.
RunData run() {
  std::vector<json> r;
  const double f32[] = {0.5, 0.3, 0.4}, q4[] = {0.3, 0.2, 0.4};
  for (int i = 0; i < 3; ++i) {
    r.push_back(rec("m", "f32", "qa", i, {{"rouge_l", f32[i]}}));
    r.push_back(rec("m", "Q4_0", "qa", i, {{"rouge_l", q4[i]}}));
  }
  for (int i = 0; i < 4; ++i) {
    const std::string task = i < 2 ? "mmlu_a" : "mmlu_b";
    r.push_back(rec("m", "f32", task, i, {{"acc", i < 3 ? 1.0 : 0.0}}));
    r.push_back(rec("m", "Q4_0", task, i, {{"acc", i < 1 ? 1.0 : 0.0}}));
  }
  r.push_back(rec("n", "f32", "qa", 0, {{"rouge_l", 0.1}}));
  json failed = rec("n", "f32", "qa", 1, {{"rouge_l", 0.9}});
  failed["error"] = "decode failed";
  r.push_back(failed);
  return testing::run_of(kManifest, r);
}

TEST(GatesTest, NumberGateEachLabelMustPass) {
  const RunData d = run();
  const json res = evaluate_gates({"rouge_l@qa >= 0.25"}, d, nullptr);
  ASSERT_EQ(res.size(), 3u);  // m/f32, m/Q4_0, n/f32
  EXPECT_EQ(res[0]["status"], "PASS");
  EXPECT_NEAR(res[0]["actual"].get<double>(), 0.4, 1e-12);
  EXPECT_NEAR(res[0]["by"].get<double>(), 0.15, 1e-12);
  EXPECT_EQ(res[0]["n"], 3);
  EXPECT_EQ(res[1]["status"], "PASS");
  EXPECT_EQ(res[2]["model"], "n");
  EXPECT_EQ(res[2]["status"], "FAIL");  // the error record's 0.9 does not count
  EXPECT_NEAR(res[2]["by"].get<double>(), -0.15, 1e-12);
  EXPECT_EQ(res[2]["detail"], "mean 0.1000 over 1 records not >= 0.2500");
  EXPECT_TRUE(gates_failed(res.get<std::vector<GateResult>>()));
  EXPECT_EQ(describe_gate_result(res[2].get<GateResult>()),
            "rouge_l@qa >= 0.25: FAIL for n/f32/cpu: 0.1000 vs 0.2500 (by -0.1500)");
}

TEST(GatesTest, ModelFilterAndLessThan) {
  const json res = evaluate_gates({"rouge_l:m < 0.35"}, run(), nullptr);
  ASSERT_EQ(res.size(), 2u);
  EXPECT_EQ(res[0]["status"], "FAIL");
  EXPECT_NEAR(res[0]["by"].get<double>(), -0.05, 1e-12);
  EXPECT_EQ(res[1]["status"], "PASS");
  EXPECT_EQ(res[1]["task"], nullptr);
}

TEST(GatesTest, GroupPoolsSubtasks) {
  const json res = evaluate_gates({"acc@mmlu > 0.5"}, run(), nullptr);
  ASSERT_EQ(res.size(), 2u);
  EXPECT_EQ(res[0]["task"], "mmlu");
  EXPECT_EQ(res[0]["n"], 4);
  EXPECT_NEAR(res[0]["actual"].get<double>(), 0.75, 1e-12);
  EXPECT_EQ(res[0]["status"], "PASS");
  EXPECT_EQ(res[1]["status"], "FAIL");
  EXPECT_FALSE(gates_failed(evaluate_gates({"acc@mmlu_a:m >= 0.5", "acc@mmlu:m >= 0.25"}, run(), nullptr)));
}

TEST(GatesTest, NoRecordsMatchIsAFailure) {
  const RunData d = run();
  json res = evaluate_gates({"rouge_l@qaa >= 0.1"}, d, nullptr);
  ASSERT_EQ(res.size(), 1u);
  EXPECT_EQ(res[0]["status"], "FAIL");
  EXPECT_EQ(res[0]["detail"],
            "no records match: rouge_l on task qaa; the run has no task qaa (did you mean qa?); tasks: mmlu, mmlu_a, "
            "mmlu_b, qa");
  res = evaluate_gates({"rouge_l:zzz >= 0.1"}, d, nullptr);
  EXPECT_EQ(res[0]["detail"], "no records match: rouge_l for model zzz; the run has no model zzz; models: m, n");
  EXPECT_EQ(res[0]["model"], "zzz");
  res = evaluate_gates({"rouge@qa >= 0.1"}, d, nullptr);
  EXPECT_EQ(res[0]["detail"],
            "no records match: rouge on task qa; the matching records have no metric rouge (did you mean rouge_l?); "
            "metrics: rouge_l");
  EXPECT_TRUE(gates_failed(res.get<std::vector<GateResult>>()));
}

TEST(GatesTest, BadTextIsAnError) {
  const json res = evaluate_gates({"rouge_l => 0.3"}, run(), nullptr);
  ASSERT_EQ(res.size(), 1u);
  EXPECT_EQ(res[0]["status"], "ERROR");
  EXPECT_EQ(res[0]["detail"], "'=>' is not an operator (write '>=')");
}

// In qualm run, baseline.* is the model's first variant on the backend, with the mean and CI
// of aggregate.csv's row.
TEST(GatesTest, BaselineInRunIsTheFirstVariant) {
  const RunData d = run();
  const json res = evaluate_gates({"rouge_l@qa:m >= baseline.ci_low"}, d, nullptr);
  ASSERT_EQ(res.size(), 1u);  // f32 is not gated against itself
  EXPECT_EQ(res[0]["variant"], "Q4_0");
  EXPECT_EQ(res[0]["baseline"], json({{"model", "m"}, {"variant", "f32"}, {"backend", "cpu"}, {"n", 3}}));
  double ci_low = NAN;
  for (const AggregateRow& row : aggregate_records(d.records, d.seed)) {
    if (row.config.variant == "f32" && row.config.model == "m" && row.task_name == "qa") ci_low = row.ci_low;
  }
  EXPECT_EQ(res[0]["threshold"].get<double>(), ci_low);
  EXPECT_EQ(res[0]["status"], res[0]["actual"].get<double>() >= ci_low ? "PASS" : "FAIL");

  const json mean = evaluate_gates({"rouge_l@qa:m >= baseline.mean"}, d, nullptr);
  EXPECT_NEAR(mean[0]["threshold"].get<double>(), 0.4, 1e-12);
  EXPECT_NEAR(mean[0]["by"].get<double>(), -0.1, 1e-12);
  EXPECT_EQ(mean[0]["status"], "FAIL");
}

TEST(GatesTest, BaselineInRunNeedsASecondVariant) {
  const json res = evaluate_gates({"rouge_l:n >= baseline.mean"}, run(), nullptr);
  ASSERT_EQ(res.size(), 1u);
  EXPECT_EQ(res[0]["status"], "ERROR");
  EXPECT_EQ(res[0]["detail"],
            "baseline.* needs a baseline: in qualm run it is the model's first variant on the same backend, and "
            "rouge_l for model n has no other variant to compare (add a variant, or use qualm compare BASELINE_RUN "
            "CANDIDATE_RUN)");
}

TEST(GatesTest, BaselineFromAnotherRun) {
  std::vector<json> b = {rec("m", "f16", "qa", 0, {{"rouge_l", 0.2}}), rec("m", "f16", "qa", 1, {{"rouge_l", 0.2}})};
  const RunData base = testing::run_of(kManifest, b);
  std::vector<json> c = {rec("m", "Q8_0", "qa", 0, {{"rouge_l", 0.3}}), rec("m", "Q8_0", "qa", 1, {{"rouge_l", 0.1}})};
  const RunData cand = testing::run_of(kManifest, c);
  json res = evaluate_gates({"rouge_l@qa >= baseline.ci_high"}, cand, &base);
  ASSERT_EQ(res.size(), 1u);
  EXPECT_EQ(res[0]["status"], "PASS");  // 0.2 >= 0.2: the baseline CI of constant values is [0.2, 0.2]
  EXPECT_NEAR(res[0]["threshold"].get<double>(), 0.2, 1e-12);
  EXPECT_EQ(res[0]["baseline"]["variant"], "f16");

  // A candidate label with no counterpart in the baseline run is an error, not a pass.
  c.push_back(rec("other", "f32", "qa", 0, {{"rouge_l", 0.9}}));
  c.push_back(rec("other2", "f32", "qa", 0, {{"rouge_l", 0.9}}));
  res = evaluate_gates({"rouge_l >= baseline.mean"}, testing::run_of(kManifest, c), &base);
  ASSERT_EQ(res.size(), 3u);
  EXPECT_EQ(res[0]["status"], "PASS");
  EXPECT_EQ(res[1]["status"], "ERROR");
  EXPECT_EQ(res[1]["detail"], "the baseline run has no configuration to pair with other/f32/cpu");
}

}  // namespace
}  // namespace qualm::analysis
