#include "analysis/run_data.h"

#include <gtest/gtest.h>

#include "analysis/summary.h"
#include "analysis/test_records.h"

namespace qualm::analysis {
namespace {

using nlohmann::json;
using testing::record;

TEST(RunData, ReadsThePlanFromTheManifest) {
  const json manifest = {
      {"experiment", "e"},
      {"run_id", "r1"},
      {"seeds", {{"seed", 7}}},
      {"skipped", json::array({{{"model", "m"}, {"variant", "q"}, {"backend", "b"}, {"task", "t"}, {"samples", 5}}})},
      {"plan",
       {{"tasks", json::array({{{"name", "mmlu_x"}, {"kind", "multiple_choice"}, {"group", "mmlu"}},
                               {{"name", "qa"}, {"kind", "generate"}, {"repetitions", 3}, {"temperature", 0.7}}})},
        {"planned", 4},
        {"skipped_cells", 1},
        {"costs", json::array({{{"model", "m"}, {"variant", "f32"}, {"backend", ""}, {"usd_per_million_tokens", 0.5}},
                               {{"model", "m"}, {"variant", "f32"}, {"backend", "gpu"}, {"usd_per_million_tokens", 2.0}}})},
        {"params", {{"m", 260000.0}}},
        {"tost_margin", 0.01},
        {"gates", json::array({"rouge_l >= 0.1"})}}}};
  const RunData d = testing::run_of(manifest, {record("f32", "cpu", "qa", 0, {{"rouge_l", 0.5}})});
  EXPECT_EQ(d.experiment, "e");
  EXPECT_EQ(d.seed, 7u);
  EXPECT_EQ(d.planned, 4);
  EXPECT_EQ(d.skipped_cells, 1);
  EXPECT_EQ(d.tasks.at("mmlu_x").group, "mmlu");
  EXPECT_EQ(d.tasks.at("qa").repetitions, 3);
  EXPECT_DOUBLE_EQ(d.params.at("m"), 260000.0);
  EXPECT_DOUBLE_EQ(d.tost_margin, 0.01);
  ASSERT_EQ(d.gates.size(), 1u);
  // An exact backend row wins over the any-backend row.
  EXPECT_DOUBLE_EQ(*d.cost_of({"m", "f32", "gpu"}), 2.0);
  EXPECT_DOUBLE_EQ(*d.cost_of({"m", "f32", "cpu"}), 0.5);
  EXPECT_FALSE(d.cost_of({"m", "q", "cpu"}).has_value());
  const json counts = record_counts(d);
  EXPECT_EQ(counts["skipped"], 5);
  EXPECT_EQ(counts["evaluated"], 1);
}

TEST(RunData, WithoutAManifestKindsComeFromTaskType) {
  std::vector<json> records = {record("f32", "cpu", "arc", 0, {{"acc", 1.0}}, "multiple_choice"),
                               record("f32", "cpu", "wikitext", 0, {{"word_perplexity", 9.0}}, "perplexity"),
                               record("f32", "cpu", "qa", 0, {{"rouge_l", 0.5}}, "qa")};
  records.push_back(record("f32", "gpu", "qa", 0, {{"rouge_l", 0.5}}, "qa"));
  records.back()["error"] = "boom";
  const RunData d = testing::run_of(json(), records);
  EXPECT_EQ(d.kind_of(d.records[0]), TaskKind::kMultipleChoice);
  EXPECT_EQ(d.kind_of(d.records[1]), TaskKind::kRolling);
  EXPECT_EQ(d.kind_of(d.records[2]), TaskKind::kGenerate);
  EXPECT_EQ(d.ok_records().size(), 3u);
  EXPECT_EQ(d.labels().size(), 1u);  // the error record's label has no ok record
  EXPECT_EQ(d.planned, 4);
}

TEST(RunData, MetricValues) {
  const SampleRecord r = testing::typed(record("f32", "cpu", "qa", 0, {{"a", 0.25}, {"b", true}, {"c", nullptr}}));
  EXPECT_DOUBLE_EQ(*r.metric("a"), 0.25);
  EXPECT_DOUBLE_EQ(*r.metric("b"), 1.0);
  EXPECT_FALSE(r.metric("c").has_value());
  EXPECT_FALSE(r.metric("missing").has_value());
}

TEST(RunData, ManifestKindsAreTyped) {
  const json manifest = {{"plan", {{"tasks", json::array({{{"name", "ppl"}, {"kind", "loglikelihood_rolling"}},
                                                          {{"name", "drift"}, {"kind", "kld"}}})}}}};
  const RunData d = testing::run_of(manifest, {record("f32", "cpu", "ppl", 0, json::object(), "summarization"),
                                               record("f32", "cpu", "drift", 0, json::object(), "summarization")});  // the manifest wins
  EXPECT_EQ(d.tasks.at("ppl").kind, TaskKind::kRolling);
  EXPECT_EQ(d.kind_of(d.records[1]), TaskKind::kKld);
}

}  // namespace
}  // namespace qualm::analysis
