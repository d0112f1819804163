#include "tasks/filter_pipeline.h"

#include <gtest/gtest.h>

#include "core/errors.h"

namespace qualm {
namespace {

using F = PipelineStep::Function;
using V = std::vector<std::string>;

PipelineStep step(F function) {
  PipelineStep s;
  s.function = function;
  s.where = "t.yaml:9";
  s.key = "filter_list[0].filter[0]";
  return s;
}

PipelineStep regex(const std::string& pattern, long group_select = 0, const std::string& fallback = "[invalid]") {
  PipelineStep s = step(F::kRegex);
  s.regex_pattern = pattern;
  s.group_select = group_select;
  s.fallback = fallback;
  return s;
}

V apply(const PipelineStep& s, V responses) {
  const auto compiled = PythonRegex::compile(s.regex_pattern);
  return apply_step(s, compiled.regex ? &*compiled.regex : nullptr, std::move(responses), "doc 0");
}

// Expected values: lm-eval's RegexFilter (lm_eval/filters/extraction.py) on the same responses, by hand
// and checked with Python 3.11.
TEST(FilterPipeline, RegexAsLmEval) {
  const std::string strict = R"(#### (\-?[0-9\.\,]+))";
  const std::string flexible = R"((-?[$0-9.,]{2,})|(-?[0-9]+))";
  EXPECT_EQ(apply(regex(strict), {"Janet sells 9 eggs.\n#### 18\n\nQuestion:", "no answer", "#### -1,000."}),
            (V{"18", "[invalid]", "-1,000."}));
  // group_select -1: the last match; a match of several groups gives its first non-empty one.
  EXPECT_EQ(apply(regex(flexible, -1), {"Janet sells 9 eggs.\n#### 18", "costs $5 and 7", "none here", "x 4"}),
            (V{"18", "7", "[invalid]", "4"}));
  EXPECT_EQ(apply(regex(flexible, 0), {"costs $5 and 7"}), V{"$5"});
  EXPECT_EQ(apply(regex(R"(The answer is (\-?[0-9\.\,]+).)"), {"So 5 + 4 = 9. The answer is 9.\n\nQ:", "The answer is 1,5 ."}),
            (V{"9", "1,5"}));
  EXPECT_EQ(apply(regex(R"(answer: (\w+))", 0, "none"), {"answer:  yes ", "Answer: no"}), (V{"none", "none"}));
  EXPECT_EQ(apply(regex(R"(=\s*(.*))"), {"x = \t 5 \n"}), V{"5"});  // the group, then str.strip()
}

TEST(FilterPipeline, GroupSelectBeyondTheMatchesNamesTheKey) {
  try {
    apply(regex(R"(\d)", 2), {"1 and 2"});
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "t.yaml:9: filter_list[0].filter[0].group_select: 2 selects no match in the output of doc 0, which has 2 "
              "matches (use 0 for the first match or -1 for the last)");
  }
  EXPECT_THROW(apply(regex(R"(\d)", -3), {"1 and 2"}), InputError);
  EXPECT_EQ(apply(regex(R"(\d)", -2), {"1 and 2"}), V{"1"});
}

TEST(FilterPipeline, SelectionAsLmEval) {
  EXPECT_EQ(apply(step(F::kTakeFirst), {"a", "b"}), V{"a"});
  PipelineStep k = step(F::kTakeFirstK);
  k.k = 2;
  EXPECT_EQ(apply(k, {"a", "b", "c"}), (V{"a", "b"}));
  // Counter(...).most_common(1): the most frequent; among ties, the first seen.
  EXPECT_EQ(apply(step(F::kMajorityVote), {"7", "8", "8", "7"}), V{"7"});
  EXPECT_EQ(apply(step(F::kMajorityVote), {"a", "b", "b"}), V{"b"});
}

TEST(FilterPipeline, TransformationsAsLmEval) {
  EXPECT_EQ(apply(step(F::kLowercase), {"The ANSWER"}), V{"the answer"});
  EXPECT_EQ(apply(step(F::kUppercase), {"The answer"}), V{"THE ANSWER"});
  // remove_whitespace drops one leading space only.
  EXPECT_EQ(apply(step(F::kRemoveWhitespace), {"  42", " 42", "\t42"}), (V{" 42", "42", "\t42"}));
}

// lm-eval's strip_think (lm_eval/filters/think.py): after the FIRST end token, left-stripped; an
// unclosed leading <think> leaves nothing; anything else is kept as it is.
TEST(FilterPipeline, StripThinkAsLmEval) {
  EXPECT_EQ(apply(step(F::kStripThink), {"<think>a</think>  42 </think> b", "  <think> unfinished", "plain </thinking>", "no think"}),
            (V{"42 </think> b", "", "plain </thinking>", "no think"}));
  PipelineStep custom = step(F::kStripThink);
  custom.think_end_token = "[/REASON]";
  EXPECT_EQ(apply(custom, {"why [/REASON]\n12"}), V{"12"});
}

TEST(FilterPipeline, RunnerChainsStepsAndLeavesOneResponse) {
  FilterPipeline maj{"maj", {regex(R"(The answer is (\d+))"), step(F::kMajorityVote), step(F::kTakeFirst)}, "t.yaml:8", "filter_list[0]"};
  EXPECT_EQ(PipelineRunner(maj).run({"The answer is 3", "The answer is 4", "The answer is 4", "nothing"}, "doc 0"),
            std::vector<std::string>{"4"});
  FilterPipeline first{"first", {regex(R"(The answer is (\d+))"), step(F::kTakeFirst)}, "t.yaml:8", "filter_list[1]"};
  EXPECT_EQ(PipelineRunner(first).run({"The answer is 3", "The answer is 4"}, "doc 0"), std::vector<std::string>{"3"});
}

// lm-eval humaneval's build_predictions: the prompt before every response, all of them kept.
TEST(FilterPipeline, PrependPromptKeepsEveryResponse) {
  FilterPipeline create{"create_test", {step(F::kPrependPrompt)}, "t.yaml:8", "filter_list[0]"};
  EXPECT_EQ(PipelineRunner(create).run({"    return 1\n", "    return 2\n"}, "doc 0", "def f():\n"),
            (std::vector<std::string>{"def f():\n    return 1\n", "def f():\n    return 2\n"}));
}

}  // namespace
}  // namespace qualm
