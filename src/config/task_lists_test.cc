#include <gtest/gtest.h>

#include <fstream>

#include "config/task_spec.h"
#include "core/errors.h"

namespace qualm {
namespace {

namespace fs = std::filesystem;

// lm-eval's filter_list, metric_list and repeats in a task file.
class TaskListsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("qualm_task_lists_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& text) {
    std::ofstream(dir_ / "t.yaml") << kHead << text;
    return dir_ / "t.yaml";
  }
  std::string error_of(const std::string& text) {
    try {
      load_task_spec(write(text));
    } catch (const InputError& e) {
      return std::string(e.what()).substr((dir_ / "t.yaml").string().size());
    }
    return "no error";
  }
  static constexpr const char* kHead =
      "task: t\noutput_type: generate\ndataset: {path: d.jsonl}\ndoc_to_text: \"{{q}}\"\ndoc_to_target: \"{{a}}\"\n";  // 5 lines
  fs::path dir_;
};

TEST_F(TaskListsTest, ReadsPipelinesAndMetricOptions) {
  const TaskSpec t = load_task_spec(write(
      "filter_list:\n"
      "  - name: strict-match\n"
      "    filter:\n"
      "      - function: regex\n"
      "        regex_pattern: '#### (\\-?[0-9\\.\\,]+)'\n"
      "      - function: take_first\n"
      "  - name: flexible-extract\n"
      "    filter:\n"
      "      - {function: regex, group_select: -1, regex_pattern: '(-?[$0-9.,]{2,})|(-?[0-9]+)', fallback: none}\n"
      "      - {function: take_first}\n"
      "metric_list:\n"
      "  - metric: exact_match\n"
      "    aggregation: mean\n"
      "    higher_is_better: true\n"
      "    ignore_case: true\n"
      "    regexes_to_ignore: [',', '\\$', '(?s).*#### ', '\\.$']\n"));
  ASSERT_EQ(t.filter_list.size(), 2u);
  EXPECT_EQ(t.filter_list[0].name, "strict-match");
  EXPECT_EQ(t.filter_list[0].steps[0].regex_pattern, "#### (\\-?[0-9\\.\\,]+)");
  EXPECT_EQ(t.filter_list[0].steps[0].fallback, "[invalid]");
  EXPECT_EQ(t.filter_list[0].steps[1].function, PipelineStep::Function::kTakeFirst);
  EXPECT_EQ(t.filter_list[1].steps[0].group_select, -1);
  EXPECT_EQ(t.filter_list[1].steps[0].fallback, "none");
  EXPECT_EQ(t.filter_list[1].steps[0].where, (dir_ / "t.yaml").string() + ":14");
  EXPECT_EQ(t.metrics, std::vector<std::string>{"exact_match"});
  const MetricOptionsSpec& em = t.metric_options.at("exact_match");
  EXPECT_TRUE(em.ignore_case);
  EXPECT_FALSE(em.ignore_punctuation);
  ASSERT_EQ(em.regexes_to_ignore.size(), 4u);
  EXPECT_EQ(em.regexes_to_ignore[2].text, "(?s).*#### ");
  EXPECT_EQ(em.aggregation.text, "mean");
  EXPECT_EQ(t.repeats, 1);
}

TEST_F(TaskListsTest, BadInputNamesLineAndKey) {
  EXPECT_EQ(error_of("filter_list:\n  - name: s\n    filter:\n      - {function: regexp}\n"),
            ":9: filter_list[0].filter[0].function: unknown filter function 'regexp' (did you mean 'regex'?)");
  EXPECT_EQ(error_of("filter_list:\n  - name: s\n    filter:\n      - function: regex\n        regex_pattern: '(\\d+'\n"),
            ":10: filter_list[0].filter[0].regex_pattern: pattern '(\\d+' cannot run: its ( and ) do not match "
            "(fix the pattern (Python's re syntax))");
  EXPECT_EQ(error_of("filter_list:\n  - name: s\n    filter:\n      - {function: regex, regex_pattern: '(?m)^x'}\n"),
            ":9: filter_list[0].filter[0].regex_pattern: pattern '(?m)^x' cannot run: the inline flag (?m) is not "
            "supported (only (?s) and (?i) are)");
  EXPECT_EQ(error_of("filter_list:\n  - name: s\n    filter:\n      - {function: regex, group_select: first}\n"),
            ":9: filter_list[0].filter[0].group_select: expected an integer, got 'first'");
  EXPECT_EQ(error_of("filter_list:\n  - name: s\n    filter:\n      - {function: take_first, k: 2}\n"),
            ":9: filter_list[0].filter[0]: unknown key 'k' (valid keys here: function)");
  EXPECT_EQ(error_of("filter_list:\n  - name: maj@8\n    filter: [{function: take_first}]\n"),
            ":7: filter_list[0].name: 'maj@8' may hold only letters, digits, '_', '-' and '.' (a metric is reported as "
            "METRIC,NAME and gates read METRIC@TASK:MODEL; e.g. write maj@8 as maj8)");
  EXPECT_EQ(error_of("filter_list:\n  - {name: a, filter: [{function: take_first}]}\n  - {name: a, filter: [{function: take_first}]}\n"),
            ":8: filter_list[1].name: 'a' names two pipelines (rename one)");
  EXPECT_EQ(error_of("metric_list:\n  - metric: exact_match\n    regexes_to_ignore: ['(?<=x)y']\n"),
            ":8: metric_list[0].regexes_to_ignore[0]: pattern '(?<=x)y' cannot run: lookbehind (?<=...) and (?<!...) "
            "is not supported (match the text and take a group instead)");
  EXPECT_EQ(error_of("metric_list:\n  - {metric: rouge_l, ignore_case: true}\n"),
            ":7: metric_list[0].ignore_case: is an option of exact_match, not of rouge_l (drop it)");
  EXPECT_EQ(error_of("metrics: [exact_match]\nmetric_list: [{metric: exact_match}]\n"),
            ":7: metric_list and metrics both name the metrics (keep one of them)");
}

TEST_F(TaskListsTest, RepeatsAndWhatPipelinesLeave) {
  const TaskSpec t = load_task_spec(write(
      "repeats: 4\n"
      "filter_list:\n"
      "  - {name: maj4, filter: [{function: regex, regex_pattern: 'is (\\d+)'}, {function: majority_vote}, {function: take_first}]}\n"
      "  - {name: maj2, filter: [{function: take_first_k, k: 2}, {function: majority_vote}, {function: take_first}]}\n"
      "  - {name: first, filter: [{function: take_first}]}\n"));
  EXPECT_EQ(t.repeats, 4);
  EXPECT_EQ(t.filter_list[1].steps[0].k, 2);
  EXPECT_EQ(error_of("repeats: 4\nfilter_list:\n  - {name: all, filter: [{function: lowercase}]}\n"),
            ":8: filter_list[0] ('all') ends with 4 responses per document; a metric scores one (end the pipeline "
            "with {function: take_first} or majority_vote then take_first (only code metrics, pass@K, score several))");
  EXPECT_EQ(error_of("filter_list:\n  - {name: m, filter: [{function: take_first_k, k: 8}, {function: take_first}]}\n"),
            ":7: filter_list[0].filter[0].k: take_first_k takes 8 responses but there are 1 per document (raise "
            "repeats to at least 8)");
  EXPECT_EQ(error_of("repeats: 3\n"),
            ":6: repeats: 3 needs a filter_list to choose among the responses (add a pipeline ending in take_first or "
            "majority_vote)");
}

// Code metrics score every sample a pipeline leaves: at least K of them, and no other metric beside.
TEST_F(TaskListsTest, CodeMetricsScoreEverySample) {
  const TaskSpec t = load_task_spec(write(
      "repeats: 8\nmetrics: [pass@1, pass@8]\nfilter_list:\n  - {name: create_test, filter: [{function: prepend_prompt}]}\n"));
  EXPECT_EQ(t.filter_list[0].steps[0].function, PipelineStep::Function::kPrependPrompt);
  EXPECT_NO_THROW(load_task_spec(write("repeats: 4\nmetrics: [pass_at_4]\n")));
  EXPECT_EQ(error_of("repeats: 4\nmetrics: [pass@8]\nfilter_list:\n  - {name: c, filter: [{function: prepend_prompt}]}\n"),
            ":9: filter_list[0] ('c') leaves 4 responses per document and pass@8 draws 8 (raise repeats to at least 8, "
            "and drop take_first from the pipeline)");
  EXPECT_EQ(error_of("metrics: [pass@2]\n"),
            ":6: pass@2 draws 2 samples per document and repeats is 1 (set repeats: 2 or more)");
  EXPECT_EQ(error_of("metrics: [pass@1, exact_match]\n"),
            ":6: pass@1 scores every sample of a document and the other metrics one (score the code metrics in a task "
            "of their own)");
}

}  // namespace
}  // namespace qualm
