#include "analysis/invariants.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "analysis/test_records.h"

namespace qualm::analysis {
namespace {

using nlohmann::json;
using testing::record;

// Three planned samples, one scored out of its metric's range.
RunData out_of_range_run() {
  std::vector<json> r = {record("f32", "cpu", "qa", 0, {{"rouge_l", 0.2}}),
                         record("f32", "cpu", "qa", 1, {{"rouge_l", 1.5}}),
                         record("q4", "cpu", "qa", 0, {{"rouge_l", 0.1}})};
  return testing::run_of({{"plan", {{"planned", 3}}}}, r);
}

TEST(Invariants, EachCheckPassesOrFails) {
  const std::vector<Invariant> inv = invariants(out_of_range_run());
  std::vector<std::string> names;
  for (const Invariant& i : inv) names.push_back(i.name);
  EXPECT_EQ(names, (std::vector<std::string>{"metric_ranges", "no_nan", "sample_counts", "skip_counts",
                                             "greedy_determinism", "backend_answer_identity"}));
  EXPECT_EQ(inv[0].status, "FAIL");
  EXPECT_EQ(inv[0].detail.rfind("1 values out of range, first rouge_l=1.5", 0), 0u) << inv[0].detail;
  for (size_t i = 1; i < inv.size(); ++i) EXPECT_EQ(inv[i].status, "PASS") << inv[i].name << ": " << inv[i].detail;
  EXPECT_EQ(inv[2].detail, "3 records, 3 distinct, 3 planned");
}

// summary.json's invariants read back as written; any other shape reads without throwing.
TEST(Invariants, ReadBackAsWritten) {
  const json written = invariants(out_of_range_run());
  ASSERT_EQ(written.size(), 6u);
  EXPECT_EQ(written[0], (json{{"name", "metric_ranges"}, {"status", "FAIL"}, {"detail", written[0]["detail"]}}));
  EXPECT_EQ(json(written.get<std::vector<Invariant>>()), written);
  for (const json& odd : {json(), json(3), json::array(), json{{"name", 1}, {"status", nullptr}, {"detail", {1}}}}) {
    EXPECT_NO_THROW(odd.get<Invariant>()) << odd;
  }
}

}  // namespace
}  // namespace qualm::analysis
