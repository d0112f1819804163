#include "analysis/benchmarks.h"

#include <gtest/gtest.h>

#include "analysis/test_records.h"

namespace qualm::analysis {
namespace {

using nlohmann::json;
using testing::record;

// A multiple-choice record whose gold is choice 0, picked by acc and acc_norm as given.
json mc(const std::string& task, int sample, int acc, int acc_norm) {
  json r = record("f32", "cpu", task, sample, {{"acc", acc == 0 ? 1.0 : 0.0}, {"acc_norm", acc_norm == 0 ? 1.0 : 0.0}},
                  "multiple_choice");
  r["gold"] = 0;
  r["pred"] = {{"acc", acc}, {"acc_norm", acc_norm}, {"acc_bytes", acc}, {"acc_token_mean", acc}};
  return r;
}

const json* row(const json& rows, const std::string& task, const std::string& metric) {
  for (const json& r : rows) {
    if (r["task"] == task && r["metric"] == metric) return &r;
  }
  return nullptr;
}

TEST(Benchmarks, CountsTheChoicesThatAreGoldPerTaskAndGroup) {
  const json manifest = {{"plan", {{"tasks", json::array({{{"name", "mmlu_a"}, {"kind", "multiple_choice"}, {"group", "mmlu"}},
                                                          {{"name", "mmlu_b"}, {"kind", "multiple_choice"}, {"group", "mmlu"}},
                                                          {{"name", "qa"}, {"kind", "generate"}}})}}}};
  std::vector<json> r = {mc("mmlu_a", 0, 0, 1), mc("mmlu_a", 1, 2, 0), mc("mmlu_b", 0, 0, 0),
                         record("f32", "cpu", "qa", 0, {{"acc", 1.0}}, "qa")};
  json failed = mc("mmlu_b", 1, 0, 0);
  failed["error"] = "decode failed";
  r.push_back(failed);
  const json b = benchmarks(testing::run_of(manifest, r));

  const json* a_acc = row(b, "mmlu_a", "acc");
  ASSERT_NE(a_acc, nullptr);
  EXPECT_EQ((*a_acc)["group"], "mmlu");
  EXPECT_EQ((*a_acc)["n"], 2);
  EXPECT_EQ((*a_acc)["correct"], 1);
  const json* group_norm = row(b, "mmlu", "acc_norm");
  ASSERT_NE(group_norm, nullptr);
  EXPECT_EQ((*group_norm)["n"], 3);  // the error record is left out
  EXPECT_EQ((*group_norm)["correct"], 2);
  EXPECT_DOUBLE_EQ((*group_norm)["value"].get<double>(), 2.0 / 3);
  EXPECT_EQ(row(b, "qa", "acc"), nullptr);  // generate tasks are not benchmarks
}

}  // namespace
}  // namespace qualm::analysis
