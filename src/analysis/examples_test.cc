#include "analysis/examples.h"

#include <gtest/gtest.h>

#include "analysis/test_records.h"

namespace qualm::analysis {
namespace {

using nlohmann::json;

json rec(const std::string& variant, const std::string& task, json sample, int rep, const std::string& candidate) {
  return {{"model", "m"},          {"variant", variant},  {"backend", "cpu"},     {"task_name", task},
          {"task_type", task},     {"sample_id", sample}, {"rep", rep},           {"error", nullptr},
          {"prompt", std::string("P").append(sample.dump())}, {"reference", std::string("R").append(sample.dump())}, {"candidate", candidate},
          {"metrics", {{"rouge_l", 0.5}}}};
}

TEST(ExamplesTest, SmallestSampleEveryLabelHas) {
  std::vector<json> r = {
      rec("f32", "qa", 2, 0, "f32 two"), rec("f32", "qa", 1, 0, "f32 one"), rec("f32", "qa", 1, 1, "f32 one again"),
      rec("Q4_0", "qa", 2, 0, "q4 two"),
      rec("f32", "summarization", 0, 0, "s"),
  };
  json failed = rec("Q4_0", "qa", 1, 0, "broken");
  failed["error"] = "decode failed";
  r.push_back(failed);
  r.push_back(rec("f32", "arc_easy", 0, 0, "mc"));
  r.back()["task_type"] = "multiple_choice";
  const std::vector<OutputExample> e = side_by_side_examples(testing::run_of(json::object(), r));
  ASSERT_EQ(e.size(), 2u);  // generate tasks only
  EXPECT_EQ(e[0].task_name, "qa");
  EXPECT_EQ(e[0].sample_id, 2);  // sample 1 failed on Q4_0: 2 is the smallest both have
  EXPECT_EQ(e[0].prompt, "P2");
  EXPECT_EQ(e[0].reference, "R2");
  EXPECT_EQ(e[0].n_labels, 2);
  ASSERT_EQ(e[0].outputs.size(), 2u);
  EXPECT_EQ(e[0].outputs[0].config.variant, "f32");
  EXPECT_EQ(e[0].outputs[0].candidate, "f32 two");
  EXPECT_EQ(e[0].outputs[1].candidate, "q4 two");
  EXPECT_EQ(e[0].outputs[1].metrics.at("rouge_l"), 0.5);
  EXPECT_EQ(e[1].task_name, "summarization");
  EXPECT_EQ(e[1].outputs.size(), 1u);
}

TEST(ExamplesTest, MostLabelsThenSmallestId) {
  std::vector<json> r = {rec("f32", "qa", 12, 0, "x"), rec("f32", "qa", 10, 0, "y"), rec("f32", "qa", 9, 0, "z"),
                         rec("Q4_0", "qa", 12, 0, "w")};
  const std::vector<OutputExample> e = side_by_side_examples(testing::run_of(json::object(), r));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].sample_id, 12);  // the only one in both labels
  r.push_back(rec("Q4_0", "qa", 10, 0, "v"));
  EXPECT_EQ(side_by_side_examples(testing::run_of(json::object(), r))[0].sample_id, 10);
  EXPECT_TRUE(side_by_side_examples(testing::run_of(json::object(), {})).empty());
}

TEST(OutputExample, ReadBackAsWritten) {
  std::vector<json> r = {rec("f32", "qa", 3, 0, "f32 three"), rec("Q4_0", "qa", 3, 0, "q4 three"),
                         rec("f32", "summarization", 0, 0, "s")};
  r[1]["doc_key"] = "doc-3";  // the example's texts are its first label's, in ConfigKey order (Q4_0 < f32)
  r[1]["metrics"] = {{"rouge_l", nullptr}, {"bleu", 12.0}};  // null: a metric that was not finite
  r[2].erase("candidate");
  r[2].erase("reference");
  const json written = side_by_side_examples(testing::run_of(json::object(), r));
  ASSERT_EQ(written.size(), 2u);
  EXPECT_EQ(written[0]["doc_key"], "doc-3");
  EXPECT_FALSE(written[1].contains("doc_key"));  // absent when unset
  EXPECT_TRUE(written[1]["reference"].is_null());
  EXPECT_TRUE(written[1]["outputs"][0]["candidate"].is_null());
  EXPECT_TRUE(written[0]["outputs"][1]["metrics"]["rouge_l"].is_null());
  EXPECT_TRUE(written[0]["outputs"][1]["metrics"]["bleu"].is_number_float());
  EXPECT_EQ(json(written.get<std::vector<OutputExample>>()), written);
  EXPECT_EQ(json(json::parse(written.dump()).get<std::vector<OutputExample>>()).dump(), written.dump());
  // Any shape reads without throwing.
  for (const char* bad : {"null", "[]", "7", R"({"sample_id": "x", "outputs": 3, "reference": 1})",
                          R"({"outputs": [1, {"metrics": [1]}, {"metrics": {"a": "x"}, "candidate": 2}]})"}) {
    OutputExample e;
    EXPECT_NO_THROW(from_json(json::parse(bad), e)) << bad;
  }
}

}  // namespace
}  // namespace qualm::analysis
