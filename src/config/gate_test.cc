#include "config/gate.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <tuple>
#include <vector>

#include "config/experiment.h"
#include "core/errors.h"

namespace qualm {
namespace {

namespace fs = std::filesystem;

Gate ok(const std::string& text) {
  GateParse p = read_gate(text);
  EXPECT_TRUE(p.gate.has_value()) << text << ": " << p.problem.problem;
  return p.gate.value_or(Gate{});
}

// Each (text, problem, fix): the text is not a gate, for that problem, with that fix.
void expect_problems(const std::vector<std::tuple<std::string, std::string, std::string>>& cases) {
  for (const auto& [text, problem, fix] : cases) {
    const GateParse p = read_gate(text);
    EXPECT_FALSE(p.gate.has_value()) << text;
    EXPECT_EQ(p.problem.problem, problem) << text;
    EXPECT_EQ(p.problem.fix, fix) << text;
  }
}

TEST(GateTest, MetricOnly) {
  const Gate g = ok("rouge_l >= 0.3");
  EXPECT_EQ(g.text, "rouge_l >= 0.3");
  EXPECT_EQ(g.metric, "rouge_l");
  EXPECT_EQ(g.task, "");
  EXPECT_EQ(g.model, "");
  EXPECT_EQ(g.op, GateOp::kGreaterEqual);
  EXPECT_EQ(g.value_kind, GateValue::kNumber);
  EXPECT_EQ(g.value, 0.3);
  EXPECT_FALSE(g.needs_baseline());
}

TEST(GateTest, FilterPipelineMetrics) {  // lm-eval's "METRIC,PIPELINE"
  const Gate g = parse_gate("exact_match,strict-match@gsm8k:stories >= 0.1", "--gate");
  EXPECT_EQ(g.metric, "exact_match,strict-match");
  EXPECT_EQ(g.task, "gsm8k");
  EXPECT_EQ(g.model, "stories");
  EXPECT_EQ(parse_gate("exact_match,flexible-extract.v2 > 0", "--gate").metric, "exact_match,flexible-extract.v2");
}

TEST(GateTest, TaskModelAndBaseline) {
  const Gate g = ok("  rouge_l@summarization:stories260k >= baseline.ci_low ");
  EXPECT_EQ(g.text, "rouge_l@summarization:stories260k >= baseline.ci_low");
  EXPECT_EQ(g.metric, "rouge_l");
  EXPECT_EQ(g.task, "summarization");
  EXPECT_EQ(g.model, "stories260k");
  EXPECT_EQ(g.value_kind, GateValue::kBaselineCiLow);
  EXPECT_TRUE(g.needs_baseline());
  EXPECT_EQ(ok("acc@mmlu>baseline.mean").value_kind, GateValue::kBaselineMean);
  EXPECT_EQ(ok("acc@mmlu<=baseline.ci_high").value_kind, GateValue::kBaselineCiHigh);
}

TEST(GateTest, ModelNamesMayHoldColons) {
  const Gate g = ok("bertscore:qwen2.5:1.5b < 0.9");
  EXPECT_EQ(g.metric, "bertscore");
  EXPECT_EQ(g.task, "");
  EXPECT_EQ(g.model, "qwen2.5:1.5b");
  EXPECT_EQ(g.op, GateOp::kLess);
}

TEST(GateTest, HarmGates) {
  const Gate g = ok("harm.same_top:qwen2.5:0.5b >= 0.9");
  EXPECT_TRUE(g.is_harm());
  EXPECT_EQ(g.metric, "harm.same_top");
  EXPECT_EQ(g.harm_figure(), "same_top");
  EXPECT_EQ(g.model, "qwen2.5:0.5b");
  EXPECT_EQ(g.value, 0.9);
  for (const std::string& figure : harm_figures()) EXPECT_TRUE(ok("harm." + figure + " < 1").is_harm()) << figure;
  EXPECT_FALSE(ok("same_top >= 0.9").is_harm());
  expect_problems({
      {"harm.same_tp >= 0.9", "'harm.same_tp' is not a figure of the quantization harm study",
       "did you mean harm.same_top?"},
      {"harm.same_top@qa >= 0.9", "harm gates take no @TASK",
       "drop the '@TASK': the study uses wikitext, the kld task and the generate task it finds"},
      {"harm.kld_mean <= baseline.mean", "harm gates compare with a number, not 'baseline.mean'",
       "each variant is already measured against its model's first variant: write e.g. harm.kld_mean <= 0.05"},
  });
}

TEST(GateTest, Operators) {
  EXPECT_EQ(ok("a >= 1").op, GateOp::kGreaterEqual);
  EXPECT_EQ(ok("a <= 1").op, GateOp::kLessEqual);
  EXPECT_EQ(ok("a > 1").op, GateOp::kGreater);
  EXPECT_EQ(ok("a < 1").op, GateOp::kLess);
  EXPECT_EQ(ok("token_perplexity@wikitext<40").value, 40);
  EXPECT_EQ(ok("a >= -1.5e-2").value, -0.015);
  EXPECT_EQ(ok("a >= +2").value, 2);
}

TEST(GateTest, PassesAndMargin) {
  const Gate ge = ok("a >= 0.5");
  EXPECT_TRUE(ge.passes(0.5, 0.5));
  EXPECT_FALSE(ge.passes(0.4, 0.5));
  EXPECT_DOUBLE_EQ(ge.margin(0.4, 0.5), -0.1);
  const Gate gt = ok("a > 0.5");
  EXPECT_FALSE(gt.passes(0.5, 0.5));
  const Gate le = ok("a <= 10");
  EXPECT_TRUE(le.passes(9, 10));
  EXPECT_DOUBLE_EQ(le.margin(9, 10), 1);
  EXPECT_DOUBLE_EQ(le.margin(12, 10), -2);
  EXPECT_FALSE(ok("a < 10").passes(10, 10));
}

// Every invalid form and its exact message.
struct Bad {
  const char* text;
  const char* problem;
  const char* fix;
};

TEST(GateTest, InvalidForms) {
  const std::string form = "write METRIC[@TASK][:MODEL] OP VALUE, e.g. rouge_l@summarization >= 0.3";
  const std::string values = "compare with a number or baseline.mean, baseline.ci_low, baseline.ci_high";
  const std::string ops = "use one of >= <= > <";
  const std::string pipeline_names =
      "may hold only letters, digits and '_', then ',' and a filter pipeline's name (letters, digits, '_', '-', '.')";
  const std::string metric_names = "metric names are like rouge_l, acc, exact_match,strict-match; " + form;
  expect_problems({
      {"", "the gate is empty", form},
      {"   ", "the gate is empty", form},
      {"rouge_l 0.3", "no comparison operator", form},
      {"rouge_l == 0.3", "'==' is not supported", ops},
      {"rouge_l != 0.3", "'!=' is not supported", ops},
      {"rouge_l = 0.3", "'=' is not an operator", ops},
      {"rouge_l => 0.3", "'=>' is not an operator", "write '>='"},
      {"rouge_l =< 0.3", "'=<' is not an operator", "write '<='"},
      {"rouge_l <> 0.3", "'<>' is not an operator", ops},
      {"rouge_l ! 0.3", "'!' is not an operator", ops},
      {"0.1 < rouge_l < 0.3", "more than one comparison operator",
       "a gate compares one metric with one value: " + form},
      {">= 0.3", "no metric before '>='", "name the metric first, e.g. rouge_l@summarization >= 0.3"},
      {"@qa >= 0.3", "no metric before '@'", "name the metric first, e.g. rouge_l@summarization >= 0.3"},
      {":m >= 0.3", "no metric before ':'", "name the metric first, e.g. rouge_l@summarization >= 0.3"},
      {"rouge l >= 0.3", "metric name 'rouge l' " + pipeline_names, metric_names},
      {"rouge-l >= 0.3", "metric name 'rouge-l' " + pipeline_names, metric_names},
      {"exact_match, >= 0.3", "metric name 'exact_match,' " + pipeline_names, metric_names},
      {",strict >= 0.3", "metric name ',strict' " + pipeline_names, metric_names},
      {"exact_match,a,b >= 0.3", "metric name 'exact_match,a,b' " + pipeline_names, metric_names},
      {"rouge_l@ >= 0.3", "'@' is not followed by a task name",
       "write METRIC@TASK, e.g. rouge_l@summarization, or drop the '@'"},
      {"rouge_l@:m >= 0.3", "'@' is not followed by a task name",
       "write METRIC@TASK, e.g. rouge_l@summarization, or drop the '@'"},
      {"rouge_l@qa@squad >= 0.3", "more than one '@'", "name one task: METRIC@TASK"},
      {"rouge_l@q a >= 0.3", "task name 'q a' may hold only letters, digits, '_', '-' and '.'",
       "name a task or group from the experiment, e.g. summarization or mmlu"},
      {"rouge_l: >= 0.3", "':' is not followed by a model name",
       "write METRIC[@TASK]:MODEL with a model name from the experiment, or drop the ':'"},
      {"rouge_l:m@qa >= 0.3", "the task comes after the model", "write METRIC@TASK:MODEL"},
      {"rouge_l >=", "no value after '>='", values},
      {"rouge_l >= baseline", "unknown baseline value 'baseline'", "use baseline.mean, baseline.ci_low or baseline.ci_high"},
      {"rouge_l >= baseline.ci_lo", "unknown baseline value 'baseline.ci_lo'", "did you mean baseline.ci_low?"},
      {"rouge_l >= baseline.median", "unknown baseline value 'baseline.median'", "did you mean baseline.mean?"},
      {"rouge_l >= 30%", "value '30%' is a percentage", "write the number in the metric's own units, without '%'"},
      {"rouge_l >= 0.3x", "value '0.3x' is not a number", values},
      {"rouge_l >= 0x10", "value '0x10' is not a number", values},
      {"rouge_l >= mean", "value 'mean' is not a number", values},
      {"rouge_l >= 0.3 0.4", "value '0.3 0.4' is not a number", values},
      {"rouge_l >= inf", "value 'inf' is not a finite number", values},
      {"rouge_l >= nan", "value 'nan' is not a finite number", values},
  });
}

TEST(GateTest, ParseGateThrowsWithWhere) {
  try {
    parse_gate(" rouge_l >= 30% ", "--gate");
    FAIL() << "no exception";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(),
                 "--gate: gate \"rouge_l >= 30%\": value '30%' is a percentage (write the number in the metric's own "
                 "units, without '%')");
  }
  EXPECT_EQ(parse_gate("acc@mmlu > 0.25", "--gate").task, "mmlu");
}

// qualm validate reports a bad gate at its file:line, and keeps the good ones.
TEST(GateTest, ExperimentNamesFileAndLine) {
  const fs::path dir = fs::temp_directory_path() / ("qualm_gate_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "models");
  std::ofstream(dir / "models/m.gguf") << "GGUF";
  const fs::path file = dir / "exp.yaml";
  std::ofstream(file) << "data_dir: " << dir.string() << "\n"
                      << "experiment: small\n"
                      << "models: [{name: m, path: models/m.gguf}]\n"
                      << "tasks: [qa]\n"
                      << "gates:\n"
                      << "  - \"rouge_l@qa >= baseline.ci_low\"\n"
                      << "  - \"rouge_l@qa => 0.3\"\n";
  const ExperimentLoad load = load_experiment(file);
  fs::remove_all(dir);
  ASSERT_EQ(load.problems.size(), 1u);
  EXPECT_EQ(load.problems[0].message(),
            file.string() + ":7: gate \"rouge_l@qa => 0.3\": '=>' is not an operator (write '>=')");
  ASSERT_EQ(load.experiment.gates.size(), 1u);
  EXPECT_EQ(load.experiment.gates[0].text, "rouge_l@qa >= baseline.ci_low");
}

}  // namespace
}  // namespace qualm
