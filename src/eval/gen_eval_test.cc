#include "eval/gen_eval.h"

#include <gtest/gtest.h>

#include "analysis/metric_info.h"
#include "records/gen_results.h"
#include "records/metric_aggregation.h"

namespace qualm {
namespace {

// Answers each request with the next of its scripted texts, and keeps the requests.
class ScriptedBackend : public Backend {
 public:
  explicit ScriptedBackend(std::vector<std::string> texts) : texts_(std::move(texts)) {}
  std::string name() const override { return "scripted"; }
  Capabilities capabilities() const override { return {}; }
  nlohmann::json describe() const override { return nullptr; }
  std::vector<GenerateResult> generate(std::span<const GenerateRequest> requests) override {
    std::vector<GenerateResult> out;
    for (const GenerateRequest& r : requests) {
      seen.push_back(r);
      GenerateResult g;
      g.text = texts_.at(next_++);
      out.push_back(g);
    }
    return out;
  }
  std::vector<LoglikelihoodResult> loglikelihood(std::span<const LoglikelihoodRequest>) override { return {}; }
  std::vector<RollingResult> loglikelihood_rolling(std::span<const RollingRequest>) override { return {}; }
  std::unique_ptr<DistributionStream> distributions(std::span<const DistributionRequest>) override { return nullptr; }
  std::vector<EmbedResult> embed(std::span<const EmbedRequest>) override { return {}; }
  std::vector<GenerateRequest> seen;

 private:
  std::vector<std::string> texts_;
  size_t next_ = 0;
};

PipelineStep step(PipelineStep::Function f, const std::string& pattern = "", long group_select = 0) {
  PipelineStep s;
  s.function = f;
  s.regex_pattern = pattern;
  s.group_select = group_select;
  s.where = "t.yaml:3";
  s.key = "filter_list[0].filter[0]";
  return s;
}

GenTask gsm8k_like(int repeats) {
  using F = PipelineStep::Function;
  GenTask t;
  t.spec.name = "g";
  t.spec.output_type = {"generate", ""};
  t.spec.metrics = {"exact_match"};
  t.spec.repeats = repeats;
  t.spec.generation.stop = {"Question:"};
  t.spec.filters = {{TextFilter::Kind::kTruncateAtStop, "", "t.yaml:2"}};
  t.spec.filter_list = {
      {"strict-match", {step(F::kRegex, R"(#### (\-?[0-9\.\,]+))"), step(F::kTakeFirst)}, "t.yaml:3", "filter_list[0]"},
      {"flexible-extract", {step(F::kRegex, R"((-?[$0-9.,]{2,})|(-?[0-9]+))", -1), step(F::kTakeFirst)}, "t.yaml:4",
       "filter_list[1]"},
      {"maj", {step(F::kRegex, R"(#### (\-?[0-9\.\,]+))"), step(F::kMajorityVote), step(F::kTakeFirst)}, "t.yaml:5",
       "filter_list[2]"},
  };
  MetricOptionsSpec em;
  em.ignore_case = true;
  for (const char* p : {",", "\\$", "(?s).*#### ", "\\.$"}) em.regexes_to_ignore.push_back({p, "t.yaml:6"});
  t.spec.metric_options["exact_match"] = em;
  t.docs = {GenDoc{"Q1", "Step.\n#### 1,200", 0, "", "d.jsonl:1", ""}, GenDoc{"Q2", "So\n#### 7", 1, "", "d.jsonl:2", ""}};
  return t;
}

TEST(GenEval, PipelinesReportEachMetricUnderTheirNames) {
  const GenTask task = gsm8k_like(1);
  ScriptedBackend backend({"It is 1200.\n#### 1,200\n", "I think 3 then 7 or $8."});
  std::vector<GenTaskScores> s = generate_outputs(backend, std::span(&task, 1), {});
  score_outputs(std::span(&task, 1), s, nullptr);
  EXPECT_EQ(s[0].outcomes[0].filtered.at("strict-match"), "1,200");
  EXPECT_EQ(s[0].outcomes[0].filtered.at("flexible-extract"), "1,200");
  EXPECT_EQ(s[0].outcomes[1].filtered.at("strict-match"), "[invalid]");
  EXPECT_EQ(s[0].outcomes[1].filtered.at("flexible-extract"), "$8.");
  EXPECT_EQ(s[0].outcomes[0].metrics.at("exact_match,strict-match"), 1.0);
  EXPECT_EQ(s[0].outcomes[1].metrics.at("exact_match,strict-match"), 0.0);
  EXPECT_EQ(s[0].outcomes[1].metrics.at("exact_match,flexible-extract"), 0.0);  // "8" against "7"
  EXPECT_FALSE(s[0].outcomes[0].metrics.contains("exact_match"));
  EXPECT_DOUBLE_EQ(s[0].summary.at("exact_match,strict-match").value, 0.5);
  EXPECT_EQ(reported_metrics(task.spec),
            (std::vector<std::string>{"exact_match,strict-match", "exact_match,flexible-extract", "exact_match,maj"}));

  const SampleRecord r = gen_sample_record("run", {"m", "v", "b"}, task, s[0], 1, 42, 0);
  EXPECT_EQ(r.filtered->at("flexible-extract"), "$8.");
  EXPECT_FALSE(r.raw_outputs.has_value());
  EXPECT_EQ(SampleRecord::from_json(r.to_json(), "x").to_json(), r.to_json());
}

TEST(GenEval, RepeatsSampleEachDocumentKTimesForMajorityVote) {
  const GenTask task = gsm8k_like(3);
  ScriptedBackend backend({"#### 5", "#### 7", "#### 7", "#### 7", "#### 1", "#### 2"});
  std::vector<GenTaskScores> s = generate_outputs(backend, std::span(&task, 1), {});
  score_outputs(std::span(&task, 1), s, nullptr);
  ASSERT_EQ(backend.seen.size(), 6u);
  EXPECT_EQ(backend.seen[0].sample_key, sample_key("g", 0));  // the first sample keeps the document's key
  EXPECT_NE(backend.seen[1].sample_key, backend.seen[0].sample_key);
  EXPECT_NE(backend.seen[2].sample_key, backend.seen[1].sample_key);
  EXPECT_EQ(s[0].outcomes[0].filtered.at("strict-match"), "5");  // the first sample
  EXPECT_EQ(s[0].outcomes[0].filtered.at("maj"), "7");           // the majority of 5, 7, 7
  EXPECT_EQ(s[0].outcomes[1].filtered.at("maj"), "7");           // a tie: the first seen
  EXPECT_EQ(s[0].outcomes[1].metrics.at("exact_match,maj"), 1.0);
  const SampleRecord r = gen_sample_record("run", {"m", "v", "b"}, task, s[0], 0, 42, 0);
  EXPECT_EQ(*r.raw_outputs, (std::vector<std::string>{"#### 5", "#### 7", "#### 7"}));
  EXPECT_EQ(**r.raw_output, "#### 5");
}

TEST(GenEval, PipelineMetricsTakeTheirBaseMetricsDeclaration) {
  EXPECT_EQ(metric_aggregation("bleu,strict-match").kind, AggregationKind::kCorpus);
  EXPECT_EQ(metric_aggregation("exact_match,strict-match").kind, AggregationKind::kMean);
  EXPECT_EQ(analysis::metric_range("coherence,x"), std::make_pair(-1.0, 1.0));
  EXPECT_TRUE(analysis::higher_is_better("exact_match,strict-match"));
  SampleRecord r;
  r.reference = "the cat sat on the mat";
  r.candidate = "unrelated words entirely here";
  r.filtered = std::map<std::string, std::string>{{"p", "the cat sat on the mat"}};
  r.metrics["bleu,p"] = 1.0;
  const auto state = metric_aggregation("bleu,p").state(r);
  ASSERT_TRUE(state.has_value());
  EXPECT_DOUBLE_EQ(metric_aggregation("bleu,p").finish(*state), 1.0);  // the pipeline's output, not the candidate
}

}  // namespace
}  // namespace qualm
